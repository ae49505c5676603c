package dev.distill.core.wire;

/**
 * What an identifier in a wire record (example, batch, run, checkpoint or teacher id) may hold, checked wherever a
 * record enters a service. Ids are written one per line into checkpoint ledgers and stored in bounded database
 * columns, so they are short and free of control characters (a newline would split a ledger, a NUL is refused by
 * PostgreSQL).
 */
public final class RecordIds {
    /** Longest id, in characters; the database columns hold 255. */
    public static final int MAX_LENGTH = 200;
    /** Longest file path in a record, in characters (Linux {@code PATH_MAX}). */
    public static final int MAX_PATH_LENGTH = 4096;

    private RecordIds() {
    }

    /**
     * @param what  what the id names, for the message ("id", "checkpointId", ...)
     * @param value the id
     * @return why {@code value} cannot be an id, or {@code null} when it can
     */
    public static String problem(String what, String value) {
        return problem(what, value, MAX_LENGTH);
    }

    /** Like {@link #problem} for a file path: longer values are allowed. */
    public static String pathProblem(String what, String value) {
        return problem(what, value, MAX_PATH_LENGTH);
    }

    private static String problem(String what, String value, int maxLength) {
        if (value == null || value.isBlank()) {
            return what + " is missing or empty";
        }
        if (value.length() > maxLength) {
            return what + " has " + value.length() + " characters, more than " + maxLength;
        }
        return controlCharacterProblem(what, value);
    }

    private static String controlCharacterProblem(String what, String value) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                return what + " contains a control character (U+" + String.format("%04X", (int) value.charAt(i))
                        + ") at position " + i;
            }
        }
        return null;
    }
}

package dev.distill.label.service;

import dev.distill.core.wire.RecordIds;
import dev.distill.core.wire.TextExample;
import dev.distill.label.config.LabelConfig;
import dev.distill.label.ml.TeacherModel;
import jakarta.enterprise.context.ApplicationScoped;

/** Rules every example must meet, at ingest and when read from Kafka. */
@ApplicationScoped
public class ExampleValidator {
    private final LabelConfig config;
    private final TeacherModel teacher;

    public ExampleValidator(LabelConfig config, TeacherModel teacher) {
        this.config = config;
        this.teacher = teacher;
    }

    /**
     * Whether a Kafka record is too large to hold a valid example, checked before decoding it: a UTF-8 character
     * takes at most 4 bytes, JSON escapes at most 6.
     */
    public String recordProblem(byte[] payload) {
        long limit = 6L * (config.maxTextChars() + RecordIds.MAX_LENGTH) + 1024;
        return payload != null && payload.length > limit
                ? "record has " + payload.length + " bytes, more than an example within "
                        + LabelConfig.MAX_TEXT_CHARS_KEY + " can take"
                : null;
    }

    /** @return why the example is invalid, or {@code null} when it is fine */
    public String problem(TextExample example) {
        if (example.text() == null || example.text().isBlank()) {
            return "text is empty";
        }
        if (example.text().length() > config.maxTextChars()) {
            return "text has " + example.text().length() + " characters, the limit is " + config.maxTextChars();
        }
        if (example.label() != null) {
            try {
                teacher.labels().index(example.label());
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        }
        if (example.label() == null && !teacher.present()) {
            return "label is missing; without a teacher (" + LabelConfig.TEACHER_KEY
                    + ") every example needs a gold label";
        }
        return RecordIds.problem("id", example.id());
    }
}

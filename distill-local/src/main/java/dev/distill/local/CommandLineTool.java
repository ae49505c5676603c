package dev.distill.local;

import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * How every command-line tool of the project runs ({@code ./run-local.sh}, {@code bin/...}, {@code bench/...}), with
 * picocli: {@code --help} prints the usage; an unknown option or a missing or malformed value, or a value the work
 * refuses ({@link IllegalArgumentException}), says what is wrong and prints the usage (exit status 2); any other
 * failure of the work says why, without a stack trace (exit status 1).
 */
public final class CommandLineTool {
    /** Exit status of a command line the tool cannot take. */
    static final int USAGE_ERROR = 2;
    /** Exit status of work that failed. */
    static final int FAILED = 1;

    private CommandLineTool() {
    }

    /** {@code --help} on any tool: its usage. */
    public static final class Help {
        @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
        boolean help;
    }

    /** Runs the command (a picocli {@code @Command} that is {@code Callable} or {@code Runnable}) and exits. */
    public static void run(Object command, String[] args) {
        System.exit(execute(command, args, System.out, System.err));
    }

    /** Runs the command; returns its exit status. */
    public static int execute(Object command, String[] args, PrintStream out, PrintStream err) {
        return execute(new CommandLine(command), args, out, err);
    }

    /** Runs a command line built elsewhere (a command described at run time); returns its exit status. */
    public static int execute(CommandLine cli, String[] args, PrintStream out, PrintStream err) {
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler((refused, arguments) -> {
            err.println("error: " + refused.getMessage());
            refused.getCommandLine().usage(err);
            return USAGE_ERROR;
        });
        cli.setExecutionExceptionHandler((failure, commandLine, parsed) -> {
            err.println("error: " + failure.getMessage());
            if (failure instanceof IllegalArgumentException) {
                commandLine.usage(err);
                return USAGE_ERROR;
            }
            return FAILED;
        });
        return cli.execute(args);
    }

    /**
     * The command with the arguments parsed into it, without running it: for the documented commands' dry run.
     *
     * @throws IllegalArgumentException with picocli's reason, for arguments it would refuse
     */
    public static <T> T parse(T command, String... args) {
        try {
            new CommandLine(command).parseArgs(args);
            return command;
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}

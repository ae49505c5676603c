package dev.distill.label.service;

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

    /** @return why the example is invalid, or {@code null} when it is fine */
    public String problem(TextExample example) {
        if (example.text() == null || example.text().isBlank()) {
            return "text is empty";
        }
        if (example.text().length() > config.maxTextChars()) {
            return "text has " + example.text().length() + " characters, the limit is " + config.maxTextChars();
        }
        if (example.label() != null && (example.label() < 0 || example.label() >= teacher.numClasses())) {
            return "label " + example.label() + " is outside [0, " + teacher.numClasses() + ")";
        }
        if (example.label() == null && !teacher.present()) {
            return "label is missing; without a teacher (label.teacher) every example needs a gold label";
        }
        if (example.id() != null && example.id().length() > 200) {
            return "id is longer than 200 characters";
        }
        return null;
    }
}

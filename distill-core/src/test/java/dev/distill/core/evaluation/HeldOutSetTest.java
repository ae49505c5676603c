package dev.distill.core.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.support.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Held-out labels meet a model's classes by name, or by an index the held-out file itself names. */
class HeldOutSetTest {
    private static final List<String> SIX = List.of("0", "1", "2", "3", "4", "5");

    @TempDir
    Path directory;

    @Test
    void numberedLabelsAreNotMatchedToClassesOfOtherNamesByPosition() throws Exception {
        Path file = directory.resolve("six.tsv");
        Files.writeString(file, "sentence\tlabel\na\t3\nb\t0\nc\t5\n");
        HeldOutSet heldOut = HeldOutSet.read(file, 0);
        assertArrayEquals(new int[] {3, 0, 5}, heldOut.gold(SIX), "classes named like the labels");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> heldOut.gold(List.of("c0", "c1", "c2", "c3", "c4", "c5")));
        assertTrue(refused.getMessage().contains("held-out row 1: label \"3\" is none of the model's classes "
                + "[c0, c1, c2, c3, c4, c5]"), refused.getMessage());
    }

    /** SST-2 dev's labels are 0 and 1, and its labels.txt names them negative and positive. */
    @Test
    void anIndexIsMatchedByTheNameTheHeldOutFilesLabelsFileGivesIt() {
        HeldOutSet heldOut = HeldOutSet.read(TestData.sst2("dev"), 20);
        int[] asWritten = heldOut.rows().stream().mapToInt(row -> Integer.parseInt(row.label())).toArray();
        assertArrayEquals(asWritten, heldOut.gold(List.of("negative", "positive")));
        assertArrayEquals(asWritten, heldOut.gold(List.of("0", "1")), "classes named like the labels as written");
        int[] swapped = heldOut.gold(List.of("positive", "negative"));
        for (int i = 0; i < asWritten.length; i++) {
            assertTrue(swapped[i] == 1 - asWritten[i], "row " + i + ": matched by name, not by position");
        }
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> heldOut.gold(List.of("c0", "c1")));
        assertTrue(refused.getMessage().matches("(?s)held-out row 1: label \"[01]\" \\(\"(negative|positive)\" in "
                + "labels.txt\\) is none of the model's classes \\[c0, c1\\].*"), refused.getMessage());
    }

    @Test
    void aZeroPaddedLabelIsNoIndex() throws Exception {
        Path file = directory.resolve("padded.tsv");
        Files.writeString(file, "sentence\tlabel\na\t05\nb\t1\n");
        Files.writeString(directory.resolve("labels.txt"), String.join("\n", SIX) + "\n");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> HeldOutSet.read(file, 0).gold(SIX));
        assertTrue(refused.getMessage().contains("label \"05\" is none of"), refused.getMessage());
    }
}

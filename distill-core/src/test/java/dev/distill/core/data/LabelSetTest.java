package dev.distill.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.support.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelSetTest {
    @TempDir
    Path directory;

    @Test
    void namedLabelsComeFromTheDataSorted() {
        Path agNews = TestData.dataDir().resolve("agnews/train.tsv");
        LabelSet labels = LabelSet.of(agNews);
        assertEquals(List.of("Business", "Sci/Tech", "Sports", "World"), labels.names());
        List<LabeledText> rows = LabeledTsv.read(agNews, labels, 0);
        assertEquals(6080, rows.size());
        assertEquals(4, rows.stream().mapToInt(LabeledText::label).distinct().count());
    }

    @Test
    void aLabelsFileNamesIntegerClasses() {
        LabelSet labels = LabelSet.of(TestData.sst2("train"));
        assertEquals(List.of("negative", "positive"), labels.names());
        assertEquals(1, labels.index("1"), "an index");
        assertEquals(1, labels.index("positive"), "a name");
    }

    /** "05" is no index: only a number written as Java writes it names a class by position. */
    @Test
    void anIndexIsANumberWithoutSignOrLeadingZeros() throws Exception {
        LabelSet six = LabelSet.numbered(6);
        assertEquals(5, six.index("5"));
        assertEquals(0, six.index("0"));
        for (String notAnIndex : List.of("05", "+5", "5.0", " 5", "00", "6")) {
            assertThrows(IllegalArgumentException.class, () -> six.index(notAnIndex), notAnIndex);
        }
        Path data = directory.resolve("padded.tsv");
        Files.writeString(data, "sentence\tlabel\na\t05\nb\t12\n");
        assertEquals(List.of("05", "12"), LabelSet.of(data).names(), "zero-padded labels are names, not indices");
    }

    @Test
    void integerLabelsWithoutALabelsFileAreNumbered() throws Exception {
        Path data = directory.resolve("six.tsv");
        Files.writeString(data, "sentence\tlabel\na\t0\nb\t5\nc\t2\n");
        assertEquals(List.of("0", "1", "2", "3", "4", "5"), LabelSet.of(data).names());
    }

    @Test
    void aLabelOutsideTheSetIsRefusedSayingWhichAreKnown() throws Exception {
        Path data = directory.resolve("dev.tsv");
        Files.writeString(data, "sentence\tlabel\na\tWorld\nb\tWeather\n");
        LabelSet labels = new LabelSet(List.of("Business", "World"));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> LabeledTsv.read(data, labels, 0));
        assertTrue(refused.getMessage().contains("row 2: label \"Weather\" is not one of [Business, World]"),
                refused.getMessage());
    }
}

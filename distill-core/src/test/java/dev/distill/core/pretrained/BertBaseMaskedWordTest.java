package dev.distill.core.pretrained;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.support.TestData;
import dev.distill.core.text.TextTokenizer;
import dev.distill.core.text.TokenizedBatch;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Google's BERT-base, read from its TensorFlow checkpoint, fills in masked words as BERT does ("the capital of
 * france is [MASK]" -> paris): the encoder built here plus the checkpoint's masked-word head. Runs only where the
 * 408 MB weights are on the class path ({@code mvn -Pbert-base}).
 */
class BertBaseMaskedWordTest {
    @Test
    void bertBaseFillsInMaskedWords() throws Exception {
        assumeTrue(PretrainedEncoder.BERT_BASE_UNCASED.available(), "BERT-base weights absent: build with -Pbert-base");
        List<String> vocabulary = Files.readAllLines(TestData.dataDir().resolve("vocab/bert-base-uncased-vocab.txt"));
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                TextTokenizer tokenizer = TextTokenizer.load(TestData.tokenizer(), 32)) {
            ModelSource bert = PretrainedEncoder.BERT_BASE_UNCASED.load(manager, 32);
            assertEquals(768, bert.config().hiddenSize());
            assertEquals(12, bert.config().layers());
            BertClassifier model = new BertClassifier(bert.config());
            model.initialize(manager, DataType.FLOAT32, BertClassifier.inputShapes(1, 2));
            assertEquals(List.of("classifier.weight", "classifier.bias"),
                    model.initializeFrom(bert.weights(), bert.config(), 1, bert.name()));
            Map<String, NDArray> w = bert.weights();
            for (String[] probe : new String[][] {
                    {"the capital of france is [MASK] .", "paris"},
                    {"the man went to the [MASK] to buy some milk .", "store"}}) {
                TokenizedBatch batch = tokenizer.encode(List.of(probe[0]));
                int mask = indexOf(batch.inputIds()[0], 103);
                NDArray hidden = model.hiddenStates(new ParameterStore(manager, false), new NDList(
                        manager.create(batch.inputIds()), manager.create(batch.attentionMask())), false, null)
                        .get(12).get("0, " + mask + ", :");
                NDArray transformed = Activation.gelu(hidden.matMul(
                        w.get("cls.predictions.transform.dense.weight").transpose())
                        .add(w.get("cls.predictions.transform.dense.bias")));
                NDArray centred = transformed.sub(transformed.mean());
                NDArray normed = centred.div(centred.pow(2).mean().add(1e-12f).sqrt())
                        .mul(w.get("cls.predictions.transform.LayerNorm.weight"))
                        .add(w.get("cls.predictions.transform.LayerNorm.bias"));
                NDArray logits = normed.matMul(w.get("bert.embeddings.word_embeddings.weight").transpose())
                        .add(w.get("cls.predictions.bias"));
                String predicted = vocabulary.get((int) logits.argMax().getLong());
                System.out.printf("BERT-base: \"%s\" -> %s%n", probe[0], predicted);
                assertEquals(probe[1], predicted, probe[0]);
            }
        }
    }

    private static int indexOf(long[] ids, long id) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        throw new AssertionError("no [MASK] in " + java.util.Arrays.toString(ids));
    }
}

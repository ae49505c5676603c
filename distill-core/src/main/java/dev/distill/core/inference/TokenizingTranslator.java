package dev.distill.core.inference;

import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import dev.distill.core.text.TextTokenizer;
import dev.distill.core.text.TokenizedBatch;
import java.util.List;
import java.util.function.Function;

/** Tokenizes texts into the model's inputs and reads the outputs back with {@code reader}. */
final class TokenizingTranslator<O> implements NoBatchifyTranslator<List<String>, O> {
    private final TextTokenizer tokenizer;
    private final boolean withTokenTypeIds;
    private final Function<NDList, O> reader;

    TokenizingTranslator(TextTokenizer tokenizer, boolean withTokenTypeIds, Function<NDList, O> reader) {
        this.tokenizer = tokenizer;
        this.withTokenTypeIds = withTokenTypeIds;
        this.reader = reader;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, List<String> texts) {
        TokenizedBatch batch = tokenizer.encode(texts);
        return TextClassifier.inputs(ctx.getNDManager(), batch.inputIds(), batch.attentionMask(), withTokenTypeIds);
    }

    @Override
    public O processOutput(TranslatorContext ctx, NDList list) {
        return reader.apply(list);
    }
}

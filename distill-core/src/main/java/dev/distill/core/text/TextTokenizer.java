package dev.distill.core.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** WordPiece (or any Hugging Face) tokenizer read from a local {@code tokenizer.json}; never from a hub. */
public final class TextTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxLength) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
    }

    /**
     * @param tokenizerJson path of a Hugging Face {@code tokenizer.json}
     * @param maxLength     sequences longer than this (special tokens included) are truncated
     */
    public static TextTokenizer load(Path tokenizerJson, int maxLength) {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IllegalArgumentException("tokenizer file not found: " + tokenizerJson.toAbsolutePath()
                    + " (expected a Hugging Face tokenizer.json)");
        }
        try {
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optMaxLength(maxLength)
                    .optTruncation(true)
                    .optPadding(false)
                    .optAddSpecialTokens(true)
                    .build();
            return new TextTokenizer(tokenizer, maxLength);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + tokenizerJson, e);
        }
    }

    public int maxLength() {
        return maxLength;
    }

    /** Tokenizes the texts and pads them to the longest one. */
    public TokenizedBatch encode(List<String> texts) {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        int length = 1;
        for (Encoding encoding : encodings) {
            length = Math.max(length, encoding.getIds().length);
        }
        long[][] ids = new long[encodings.length][length];
        long[][] mask = new long[encodings.length][length];
        for (int row = 0; row < encodings.length; row++) {
            long[] rowIds = encodings[row].getIds();
            System.arraycopy(rowIds, 0, ids[row], 0, rowIds.length);
            for (int col = 0; col < rowIds.length; col++) {
                mask[row][col] = 1;
            }
        }
        return new TokenizedBatch(ids, mask);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}

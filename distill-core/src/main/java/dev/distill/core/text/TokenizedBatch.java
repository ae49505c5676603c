package dev.distill.core.text;

/**
 * Token ids and attention mask of a batch, padded to the longest sequence of the batch.
 *
 * @param inputIds      [batch][length] token ids, padding id 0
 * @param attentionMask [batch][length] 1 for real tokens, 0 for padding
 */
public record TokenizedBatch(long[][] inputIds, long[][] attentionMask) {
    public int size() {
        return inputIds.length;
    }

    public int length() {
        return inputIds.length == 0 ? 0 : inputIds[0].length;
    }
}

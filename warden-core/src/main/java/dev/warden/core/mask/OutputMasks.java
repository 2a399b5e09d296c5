package dev.warden.core.mask;

import dev.warden.core.policy.Masking;
import java.util.Map;

/**
 * The masks the analysis assigns to a statement's result columns, by position: an output that
 * passes a masked column on unchanged gets that column's mask, one computed from masked columns is
 * masked as a whole. {@code width} is the number of result columns the analysis expects (-1 when a
 * star it could not expand leaves it unknown); when the result has another width, the positions
 * cannot be trusted and every column without a reported origin gets {@code fallback} (the whole
 * mask of some masked output), or nothing when no output is masked.
 */
public record OutputMasks(
    Map<Integer, Masking.ColumnMask> byPosition, int width, Masking.ColumnMask fallback) {
  public static final OutputMasks NONE = new OutputMasks(Map.of(), -1, null);

  public OutputMasks {
    byPosition = Map.copyOf(byPosition);
  }

  /** The mask the analysis gives column {@code i} of a result of {@code n} columns, or null. */
  public Masking.ColumnMask at(int i, int n) {
    return n == width ? byPosition.get(i) : fallback;
  }
}

package dev.warden.frontend.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.mask.DataClass;
import dev.warden.core.mask.MaskStrategy;
import dev.warden.core.mask.OutputMasks;
import dev.warden.core.policy.Masking;
import dev.warden.core.policy.Policy.MaskRule;
import dev.warden.core.sql.ColumnCatalog;
import dev.warden.protocol.postgres.message.BackendMessage;
import dev.warden.protocol.postgres.message.DataRow;
import dev.warden.protocol.postgres.message.RowDescription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A row through a mask plan: the byte-level keep-last equals the strategy, types stay valid. */
class MaskPlanTest {
  static final int TABLE = 16384;
  static final ColumnCatalog CATALOG =
      new ColumnCatalog.Builder()
          .add(MaskPlans.key(TABLE, 1), "public", "customers", "card_number")
          .add(MaskPlans.key(TABLE, 2), "public", "customers", "ssn")
          .add(MaskPlans.key(TABLE, 3), "public", "customers", "full_name")
          .build();
  static final Masking MASKING =
      new Masking(
          List.of(
              new MaskRule("card", List.of("*.card_number"), new MaskStrategy.KeepLast(4)),
              new MaskRule("ssn", List.of("*.ssn"), new MaskStrategy.Redact())),
          Set.of(DataClass.CARD_NUMBER));

  static RowDescription description(int cardType) {
    return new RowDescription(
        List.of(
            new RowDescription.Field(
                "card_number", TABLE, (short) 1, cardType, (short) -1, -1, (short) 0),
            new RowDescription.Field("ssn", TABLE, (short) 2, 25, (short) -1, -1, (short) 0),
            new RowDescription.Field("full_name", TABLE, (short) 3, 25, (short) -1, -1, (short) 0),
            new RowDescription.Field("note", 0, (short) 0, 25, (short) -1, -1, (short) 0)));
  }

  static List<String> rewrite(MaskPlan plan, String... values) {
    ByteBuf frame = Unpooled.buffer();
    List<ByteBuf> cells = new ArrayList<>();
    for (String v : values) {
      cells.add(v == null ? null : Unpooled.copiedBuffer(v, StandardCharsets.UTF_8));
    }
    new DataRow(cells).encode(frame);
    ByteBuf out = Unpooled.buffer();
    if (!plan.rewrite(frame, () -> out)) {
      out.writeBytes(frame, frame.readerIndex(), frame.readableBytes());
    }
    DataRow row = (DataRow) BackendMessage.decode(out);
    List<String> result = new ArrayList<>();
    for (ByteBuf cell : row.values()) {
      result.add(cell == null ? null : cell.toString(StandardCharsets.UTF_8));
    }
    return result;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "123",
        "",
        "AB12-cd34",
        "４１１１１１１１１１１１１１１１",
        "card: 5500 0000 0000 0004 (exp 12/30)"
      })
  void keepLastOnBytesIsTheStrategy(String card) {
    MaskPlan plan = MaskPlans.of(description(25), MASKING, CATALOG, OutputMasks.NONE);
    List<String> row = rewrite(plan, card, "123-45-6789", "Jane Doe", "no card here");
    assertThat(row.get(0)).isEqualTo(new MaskStrategy.KeepLast(4).mask(card));
    assertThat(row.get(1)).isEqualTo("[REDACTED]");
    assertThat(row.get(2)).isEqualTo("Jane Doe");
    assertThat(row.get(3)).isEqualTo("no card here");
  }

  @ParameterizedTest
  @ValueSource(ints = {20, 1700})
  void aMaskedColumnOfAnotherTypeBecomesNull(int type) {
    MaskPlan plan = MaskPlans.of(description(type), MASKING, CATALOG, OutputMasks.NONE);
    assertThat(rewrite(plan, "4111111111111111", null, "x", "paid with 4111111111111111"))
        .containsExactly(null, null, "x", "paid with ************1111");
  }

  @org.junit.jupiter.api.Test
  void aColumnWithoutOriginTakesTheTracedMaskOfItsPosition() {
    // "note" (position 3) has no origin the server reports: the analysis traced it to the card.
    Masking.ColumnMask card = MASKING.column("public", "customers", "card_number");
    OutputMasks traced = new OutputMasks(Map.of(3, card), 4, card);
    MaskPlan plan = MaskPlans.of(description(25), MASKING, CATALOG, traced);
    assertThat(rewrite(plan, "4111111111111111", "1", "Jane", "5500000000000004"))
        .containsExactly("************1111", "[REDACTED]", "Jane", "************0004");
  }

  @org.junit.jupiter.api.Test
  void whenTheWidthIsNotTheTracedOneEveryColumnWithoutOriginIsMaskedWhole() {
    Masking.ColumnMask whole = new Masking.ColumnMask("card", new MaskStrategy.Redact(), false);
    OutputMasks traced = new OutputMasks(Map.of(0, whole), 2, whole);
    MaskPlan plan = MaskPlans.of(description(25), MASKING, CATALOG, traced);
    // Columns with an origin keep their own rule; "note" cannot be placed, so it is masked.
    assertThat(rewrite(plan, "4111111111111111", "1", "Jane", "anything"))
        .containsExactly("************1111", "[REDACTED]", "Jane", "[REDACTED]");
  }
}

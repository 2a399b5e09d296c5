package dev.warden.frontend.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.mask.DataClass;
import dev.warden.core.mask.MaskStrategy;
import dev.warden.core.mask.OutputMasks;
import dev.warden.core.policy.Masking;
import dev.warden.core.sql.CopyFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** COPY rows masked field by field in text, CSV and binary, as the server writes them. */
class CopyMaskTest {
  static final Masking CLASSIFY = new Masking(List.of(), Set.of(DataClass.CARD_NUMBER));
  static final Masking.ColumnMask CARD =
      new Masking.ColumnMask("card", new MaskStrategy.KeepLast(4), false);
  static final Masking.ColumnMask SSN =
      new Masking.ColumnMask("ssn", new MaskStrategy.Redact(), false);
  static final Masking.ColumnMask GONE =
      new Masking.ColumnMask("gone", new MaskStrategy.Nullify(), false);

  /** id, card, ssn, note, flag: card and ssn masked, flag nulled, note classified. */
  static final OutputMasks TRACED = new OutputMasks(Map.of(1, CARD, 2, SSN, 4, GONE), 5, CARD);

  static ByteBuf frame(byte[] payload) {
    ByteBuf frame = Unpooled.buffer();
    frame.writeByte('d').writeInt(payload.length + 4).writeBytes(payload);
    return frame;
  }

  static String line(CopyMask mask, String line) {
    return new String(rewrite(mask, line.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  static byte[] rewrite(CopyMask mask, byte[] payload) {
    ByteBuf frame = frame(payload);
    ByteBuf out = Unpooled.buffer();
    if (!mask.rewrite(frame, () -> out)) {
      return payload;
    }
    assertThat(out.readByte()).isEqualTo((byte) 'd');
    assertThat(out.readInt()).isEqualTo(out.readableBytes() + 4);
    byte[] bytes = new byte[out.readableBytes()];
    out.readBytes(bytes);
    return bytes;
  }

  @Test
  void textFieldsAreUnescapedMaskedAndEscapedAgain() {
    CopyMask mask = CopyMask.of(CopyFormat.TEXT, 5, TRACED, CLASSIFY);
    assertThat(line(mask, "1\t4111-1111-1111-1111\t123-45-6789\tpaid 5500000000000004\tt\n"))
        .isEqualTo("1\t****-****-****-1111\t[REDACTED]\tpaid ************0004\t\\N\n");
    // An escaped tab inside a value is part of the value, not a field boundary; NULL stays NULL.
    assertThat(line(mask, "2\tab\\tcd1234\t\\N\tx\\\\y\tf\n"))
        .isEqualTo("2\t**\\t**1234\t\\N\tx\\\\y\t\\N\n");
  }

  @Test
  void csvFieldsAreParsedWithQuotesAndMaskedQuoted() {
    CopyFormat csv = new CopyFormat("csv", ',', '"', '"', "", true, true);
    CopyMask mask = CopyMask.of(csv, 5, TRACED, CLASSIFY);
    assertThat(line(mask, "id,card_number,ssn,note,flag\n"))
        .isEqualTo("id,card_number,ssn,note,flag\n"); // the header
    assertThat(line(mask, "1,\"4111,1111,1111,1111\",123-45-6789,\"say \"\"hi\"\"\",t\n"))
        .isEqualTo("1,\"****,****,****,1111\",\"[REDACTED]\",\"say \"\"hi\"\"\",\n");
    // An unquoted empty field is NULL and stays NULL; a quoted empty string is a value.
    assertThat(line(mask, "2,,\"\",,f\n")).isEqualTo("2,,\"[REDACTED]\",,\n");
    CopyFormat semicolon = new CopyFormat("csv", ';', '\'', '\\', "NULL", false, true);
    CopyMask other = CopyMask.of(semicolon, 5, TRACED, CLASSIFY);
    assertThat(line(other, "3;'4111\\'1111';NULL;x;t\n"))
        .isEqualTo("3;'****\\'1111';NULL;x;NULL\n");
  }

  @Test
  void binaryFieldsThatAreMaskedOrClassifiedBecomeNull() {
    CopyFormat binary = new CopyFormat("binary", '\t', '"', '"', "", false, true);
    CopyMask mask = CopyMask.of(binary, 5, TRACED, CLASSIFY);
    byte[] header = {
      'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0
    };
    ByteBuf first = Unpooled.buffer().writeBytes(header);
    tuple(first, "1", "4111111111111111", "123-45-6789", "card 5500000000000004", "t");
    ByteBuf expected = Unpooled.buffer().writeBytes(header);
    tuple(expected, "1", null, null, null, null);
    assertThat(rewrite(mask, bytes(first))).isEqualTo(bytes(expected));
    ByteBuf second = tuple(Unpooled.buffer(), "2", null, null, "nothing here", null);
    assertThat(rewrite(mask, bytes(second))).isEqualTo(bytes(second)); // unchanged
    ByteBuf trailer = Unpooled.buffer().writeShort(-1);
    assertThat(rewrite(mask, bytes(trailer))).isEqualTo(bytes(trailer));
  }

  static ByteBuf tuple(ByteBuf buf, String... fields) {
    buf.writeShort(fields.length);
    for (String f : fields) {
      if (f == null) {
        buf.writeInt(-1);
      } else {
        byte[] b = f.getBytes(StandardCharsets.UTF_8);
        buf.writeInt(b.length).writeBytes(b);
      }
    }
    return buf;
  }

  static byte[] bytes(ByteBuf buf) {
    byte[] b = new byte[buf.readableBytes()];
    buf.getBytes(buf.readerIndex(), b);
    return b;
  }

  @Test
  void whenTheWidthIsNotTheTracedOneEveryFieldIsMaskedWhole() {
    OutputMasks traced = new OutputMasks(Map.of(0, CARD), 1, CARD);
    CopyMask mask = CopyMask.of(CopyFormat.TEXT, 2, traced, CLASSIFY);
    assertThat(line(mask, "abcd1234\tx\n")).isEqualTo("****1234\t*\n");
  }
}

package dev.warden.frontend.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.sql.CopyFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * COPY FROM data as clients send it — cut anywhere, escaped, quoted, binary — read as the server
 * reads it: a mask-like value in a masked field is found, and only there.
 */
class CopyInCheckTest {
  static final CopyFormat TEXT = new CopyFormat("text", '\t', '"', '"', "\\N", false, true);
  static final CopyFormat CSV = new CopyFormat("csv", ',', '"', '"', "", false, true);
  static final CopyFormat CSV_HEADER = new CopyFormat("csv", ',', '"', '"', "", true, true);
  static final CopyFormat BINARY = new CopyFormat("binary", '\t', '"', '"', "", false, true);

  /** Fields 1 (id) and 3 (notes) are not masked; field 2 (card_number) is. */
  static final boolean[] SECOND_MASKED = {false, true, false};

  static int feedAll(CopyInCheck check, String... chunks) {
    for (String chunk : chunks) {
      int found = check.feed(buf(chunk));
      if (found != 0) {
        return found;
      }
    }
    return check.finish();
  }

  static ByteBuf buf(String s) {
    return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aMaskInAMaskedTextFieldIsFoundWhereverTheRowIsCut() {
    String data = "1\t4111111111111111\tok\n2\t************1111\tok\n";
    for (int cut = 0; cut <= data.length(); cut++) {
      CopyInCheck check = new CopyInCheck(TEXT, SECOND_MASKED);
      assertThat(feedAll(check, data.substring(0, cut), data.substring(cut)))
          .as("cut at %d", cut)
          .isEqualTo(2);
    }
  }

  @Test
  void realValuesAndMasksInOtherFieldsPass() {
    CopyInCheck check = new CopyInCheck(TEXT, SECOND_MASKED);
    assertThat(feedAll(check, "1\t4111111111111111\t*** not a card ***\n", "2\t\\N\t[REDACTED]\n"))
        .isZero();
  }

  @Test
  void escapesAreDecodedAsTheServerDecodesThem() {
    // \052 is '*' in octal; \x2a in hex; an escaped tab is data, not a field break.
    assertThat(feedAll(new CopyInCheck(TEXT, SECOND_MASKED), "1\t\\052\\052\\0521111\tx\n"))
        .isEqualTo(2);
    assertThat(feedAll(new CopyInCheck(TEXT, SECOND_MASKED), "1\t\\x2a\\x2a\\x2a1\tx\n"))
        .isEqualTo(2);
    assertThat(feedAll(new CopyInCheck(TEXT, SECOND_MASKED), "1\\\t***\tfine\tx\n")).isZero();
  }

  @Test
  void theLastRowWithoutALineEndIsCheckedAtCopyDone() {
    CopyInCheck check = new CopyInCheck(TEXT, SECOND_MASKED);
    assertThat(check.feed(buf("1\treal\tx\n2\t[REDACTED]\tx"))).isZero();
    assertThat(check.finish()).isEqualTo(2);
  }

  @Test
  void nothingAfterTheEndMarkerCounts() {
    assertThat(feedAll(new CopyInCheck(TEXT, SECOND_MASKED), "1\treal\tx\n\\.\n2\t***\tx\n"))
        .isZero();
  }

  @Test
  void csvQuotesHoldDelimitersNewlinesAndQuotes() {
    assertThat(feedAll(new CopyInCheck(CSV, SECOND_MASKED), "1,\"a,b\nc\",x\n2,\"***1\",y\n"))
        .isEqualTo(2);
    assertThat(feedAll(new CopyInCheck(CSV, SECOND_MASKED), "1,\"say \"\"***\"\"\",x\n"))
        .isEqualTo(2);
    // A quoted comma is data: the second field is "a,***", the third (not masked) "***".
    assertThat(feedAll(new CopyInCheck(CSV, SECOND_MASKED), "1,\"a,***\",***\n")).isEqualTo(2);
    assertThat(feedAll(new CopyInCheck(CSV, SECOND_MASKED), "1,\"a,b\",***\n")).isZero();
  }

  @Test
  void aCsvHeaderIsNotARow() {
    assertThat(feedAll(new CopyInCheck(CSV_HEADER, SECOND_MASKED), "id,***,n\n1,real,x\n"))
        .isZero();
  }

  @Test
  void binaryRowsAreReadFieldByField() {
    ByteBuf data = Unpooled.buffer();
    data.writeBytes("PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1));
    data.writeInt(0).writeInt(0);
    row(data, "1", "4111111111111111", "x");
    row(data, "2", "************1111", "x");
    data.writeShort(-1);
    byte[] bytes = new byte[data.readableBytes()];
    data.readBytes(bytes);
    for (int cut = 0; cut <= bytes.length; cut += 3) {
      CopyInCheck check = new CopyInCheck(BINARY, SECOND_MASKED);
      int found = check.feed(Unpooled.wrappedBuffer(bytes, 0, cut));
      if (found == 0) {
        found = check.feed(Unpooled.wrappedBuffer(bytes, cut, bytes.length - cut));
      }
      assertThat(found == 0 ? check.finish() : found).as("cut at %d", cut).isEqualTo(2);
    }
  }

  private static void row(ByteBuf out, String... fields) {
    out.writeShort(fields.length);
    for (String f : fields) {
      byte[] b = f.getBytes(StandardCharsets.UTF_8);
      out.writeInt(b.length).writeBytes(b);
    }
  }
}

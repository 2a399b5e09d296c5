package dev.warden.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.warden.core.policy.Policy;
import dev.warden.core.policy.PolicyException;
import dev.warden.core.policy.PolicyParser;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A draft policy checked as the gateway would load it (its JSON, then every rule through the
 * parser's own checks), with the line of the first error: the parser names a JSON path, found here
 * in the draft's text.
 */
final class PolicyCheck {
  private static final JsonFactory FACTORY = new JsonFactory();

  private PolicyCheck() {}

  static Map<String, Object> check(String text) {
    Map<String, Object> out = new LinkedHashMap<>();
    try {
      Policy policy = new PolicyParser().parse(text);
      out.put("valid", true);
      out.put("grants", policy.grants().size());
      out.put(
          "rules",
          policy.grants().stream()
              .mapToInt(g -> g.allow().size() + g.hold().size() + g.deny().size())
              .sum());
    } catch (PolicyException e) {
      out.put("valid", false);
      out.put("error", e.getMessage());
      int line = lineOf(text, e.getMessage());
      if (line > 0) {
        out.put("line", line);
      }
    }
    return out;
  }

  /** The line an error message's path ({@code $.grants[0].allow[1].classes: …}) starts on. */
  static int lineOf(String text, String message) {
    int colon = message.indexOf(": ");
    String path = colon < 0 ? "$" : message.substring(0, colon);
    String pointer =
        path.replaceFirst("^\\$", "").replaceAll("\\[(\\d+)]", ".$1").replace('.', '/');
    int best = 1;
    int bestLength = -1;
    try (JsonParser parser = FACTORY.createParser(text)) {
      for (JsonToken t = parser.nextToken(); t != null; t = parser.nextToken()) {
        String here = parser.getParsingContext().pathAsPointer().toString();
        if (t == JsonToken.FIELD_NAME) {
          here = here.isEmpty() ? "/" + parser.currentName() : here;
        }
        if ((pointer.equals(here) || pointer.startsWith(here + "/"))
            && here.length() > bestLength) {
          best = parser.currentTokenLocation().getLineNr();
          bestLength = here.length();
        }
      }
    } catch (JsonProcessingException e) {
      // Not JSON: the parser's own location.
      return e.getLocation() == null ? best : e.getLocation().getLineNr();
    } catch (IOException e) {
      return best;
    }
    return best;
  }
}

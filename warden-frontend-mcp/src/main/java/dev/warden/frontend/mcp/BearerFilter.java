package dev.warden.frontend.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.core.admission.AdmissionControl;
import dev.warden.core.error.WardenException;
import dev.warden.core.identity.Authenticated;
import dev.warden.core.identity.Authenticator;
import dev.warden.core.identity.Credential;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The MCP endpoint as an OAuth 2.1 protected resource: every request carries the caller's bearer
 * token (an OIDC token from a trusted issuer, checked exactly as on the wire, or a Warden service
 * key), or it is answered 401 with a {@code WWW-Authenticate} header that points to the resource's
 * metadata (RFC 9728), where standard MCP clients find the issuer. A request from a browser origin
 * not configured is refused (403), as is one naming a protocol version Warden does not speak (400).
 * An MCP session belongs to the identity that opened it: a request that names it with another
 * identity's token is refused (403), and a session its owner ends (DELETE) closes its wire sessions
 * at once ({@link AgentSessions}).
 */
final class BearerFilter implements Filter {
  /** The MCP protocol versions the SDK and Warden speak. */
  static final Set<String> PROTOCOL_VERSIONS =
      Set.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");

  /** The header that names the MCP session of a request (Streamable HTTP). */
  static final String SESSION = "Mcp-Session-Id";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Authenticator authenticator;
  private final AdmissionControl admissions;
  private final List<String> allowedOrigins;
  private final java.util.function.Function<HttpServletRequest, String> metadataUrl;
  private final AgentSessions sessions;

  BearerFilter(
      Authenticator authenticator,
      AdmissionControl admissions,
      List<String> allowedOrigins,
      java.util.function.Function<HttpServletRequest, String> metadataUrl,
      AgentSessions sessions) {
    this.sessions = sessions;
    this.authenticator = authenticator;
    this.admissions = admissions;
    this.allowedOrigins = List.copyOf(allowedOrigins);
    this.metadataUrl = metadataUrl;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    String origin = request.getHeader("Origin");
    if (origin != null && !allowedOrigins.contains(origin)) {
      // DNS rebinding: a page in a browser must not reach a local endpoint.
      refuse(response, 403, null, "forbidden_origin", "origin " + origin + " is not allowed");
      return;
    }
    String version = request.getHeader("MCP-Protocol-Version");
    if (version != null && !PROTOCOL_VERSIONS.contains(version)) {
      refuse(
          response,
          400,
          null,
          "unsupported_protocol_version",
          "MCP-Protocol-Version " + version + " is not supported; supported: " + PROTOCOL_VERSIONS);
      return;
    }
    String header = request.getHeader("Authorization");
    String address = request.getRemoteAddr() + ":" + request.getRemotePort();
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      refuse(
          response,
          401,
          "Bearer resource_metadata=\"" + metadataUrl.apply(request) + "\"",
          "unauthorized",
          "send your OIDC token or Warden key as a bearer token (Authorization: Bearer ...)");
      return;
    }
    String token = header.substring(7).trim();
    Authenticated authenticated;
    try {
      authenticated = authenticator.authenticate(new Credential(token));
    } catch (RuntimeException e) {
      // Recorded like a failed wire login; the message never echoes the token.
      WardenException refused = admissions.authenticationFailed(address, "mcp", e, "bearer token");
      refuse(
          response,
          401,
          "Bearer resource_metadata=\""
              + metadataUrl.apply(request)
              + "\", error=\"invalid_token\", error_description=\""
              + refused.getMessage().replace("\"", "'")
              + "\"",
          "invalid_token",
          refused.getMessage());
      return;
    }
    Caller caller = new Caller(authenticated, token, address);
    String session = request.getHeader(SESSION);
    if (session != null && sessions.belongsToAnother(session, caller)) {
      refuse(
          response,
          403,
          null,
          "forbidden",
          "this MCP session belongs to another identity; open a new MCP session with your own token");
      return;
    }
    request.setAttribute(Caller.ATTRIBUTE, caller);
    chain.doFilter(request, response);
    if (session == null) {
      String opened = response.getHeader(SESSION);
      if (opened != null) {
        sessions.opened(opened, caller);
      }
    } else if ("DELETE".equals(request.getMethod()) && response.getStatus() < 300) {
      sessions.ended(session);
    }
  }

  private static void refuse(
      HttpServletResponse response, int status, String challenge, String error, String description)
      throws IOException {
    response.setStatus(status);
    if (challenge != null) {
      response.setHeader("WWW-Authenticate", challenge);
    }
    response.setContentType("application/json");
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", error);
    body.put("error_description", description);
    response.getOutputStream().write(JSON.writeValueAsBytes(body));
  }
}

package dev.warden.frontend.mcp;

/** A tool call Warden's MCP door refuses before any statement: the reason and what to do. */
final class ToolRefusal extends Exception {
  final String hint;

  ToolRefusal(String reason, String hint) {
    super(reason);
    this.hint = hint;
  }
}

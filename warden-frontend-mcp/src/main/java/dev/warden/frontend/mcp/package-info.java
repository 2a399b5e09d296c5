/**
 * The MCP front door: AI agents that speak the Model Context Protocol call tools over Streamable
 * HTTP; each statement runs through Warden's own wire door, so the same kernel decides, masks,
 * holds and records it.
 */
package dev.warden.frontend.mcp;

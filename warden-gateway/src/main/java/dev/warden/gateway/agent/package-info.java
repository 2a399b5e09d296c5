/**
 * The agent tunnel: {@code warden agent} runs in the database's network and dials out to the
 * gateway's {@code listen.agents} (TLS, HTTP/2 with Netty's codec); the gateway carries each
 * session's database connection as one HTTP/2 stream of that connection, with HTTP/2's per-stream
 * flow control, so the database needs no inbound port from the gateway's network.
 *
 * <p>The agent is the HTTP/2 client: its first stream ({@code POST /v1/agent}, its key as a bearer
 * token) is the control stream, on which the gateway asks for tunnels (one JSON line each); the
 * agent connects to the database (only to targets it was told to allow) and opens a stream {@code
 * POST /v1/tunnel} naming the request, whose DATA frames are the session's bytes both ways.
 */
package dev.warden.gateway.agent;

package dev.warden.frontend.mysql;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.identity.Authenticated;
import dev.warden.core.session.SessionContext;
import dev.warden.protocol.mysql.message.AuthSwitchRequest;
import dev.warden.protocol.mysql.message.ChangeUser;
import dev.warden.protocol.mysql.message.Command;
import dev.warden.protocol.mysql.message.OkPacket;
import dev.warden.protocol.mysql.message.Packet;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * COM_CHANGE_USER: the client re-authenticates on its connection, as another identity or the same
 * one with a fresh token. Warden takes the new token as at login (in clear, inside TLS: the client
 * is switched to {@code mysql_clear_password}), checks it and the connection, resets the database
 * session (what the database does on a change of user: variables, transaction, temporary tables and
 * prepared statements go) and ends the old identity's session in the kernel before the new one's
 * begins — each recorded as such. A failure ends the connection, as the database ends it.
 */
final class UserChange {
  private final MysqlSession session;
  private ChangeUser request;
  private int sequenceId;
  private boolean awaitingPassword;

  UserChange(MysqlSession session) {
    this.session = session;
  }

  /** Whether the next packet from the client is its password (after Warden's switch request). */
  boolean awaitingPassword() {
    return awaitingPassword;
  }

  void begin(Packet packet) {
    sequenceId = packet.lastSequenceId();
    // A malformed command throws before the release: the caller releases it and ends the session.
    request = ChangeUser.decode(packet.payload().duplicate(), session.clientCapabilities);
    packet.release();
    if (session.tls.equals("none")
        && !HandshakeHandler.plaintextAllowed(session.door, session.client)) {
      fail(
          new WardenException(
              ErrorCode.AUTHORIZATION_REFUSED,
              "Warden requires TLS: the token or key you send as the password must not travel in"
                  + " clear",
              "connect with TLS before changing user"));
      return;
    }
    String schema = request.schema();
    if (!schema.isEmpty() && !schema.equals(session.connection.name())) {
      fail(
          new WardenException(
              ErrorCode.UNKNOWN_CONNECTION,
              "a change of user stays on connection \""
                  + session.connection.name()
                  + "\"; it cannot move to \""
                  + schema
                  + "\"",
              "open a new connection with the database name of the connection you want"));
      return;
    }
    byte[] sent = request.authResponse();
    if (HandshakeHandler.CLEAR_PASSWORD.equals(request.authPluginName()) && sent.length > 0) {
      check(sent);
      return;
    }
    // Any other plugin's response is a hash Warden cannot check: ask for the token itself.
    Arrays.fill(sent, (byte) 0);
    awaitingPassword = true;
    session.client.writeAndFlush(
        new Packet(
            ++sequenceId,
            new AuthSwitchRequest(HandshakeHandler.CLEAR_PASSWORD, new byte[0]).encode()));
  }

  /** The client's answer to the switch: its token or key. */
  void password(Packet packet) {
    awaitingPassword = false;
    sequenceId = packet.lastSequenceId();
    byte[] password = ByteBufUtil.getBytes(packet.payload());
    packet.release();
    check(password);
  }

  private void check(byte[] password) {
    session
        .door
        .authenticate(password)
        .whenComplete(
            (authenticated, failure) ->
                session.client.eventLoop().execute(() -> authenticated(authenticated, failure)));
  }

  private void authenticated(Authenticated authenticated, Throwable failure) {
    if (!session.client.isActive()) {
      return;
    }
    MysqlDoor door = session.door;
    String client = String.valueOf(session.client.remoteAddress());
    if (failure != null) {
      fail(
          door.server
              .admissions()
              .authenticationFailed(client, request.user(), failure, "the new password"));
      return;
    }
    SessionContext next;
    try {
      next =
          door.server
              .admissions()
              .authorize(
                  authenticated,
                  session.connection.name(),
                  true,
                  client,
                  request
                      .attributes()
                      .getOrDefault(
                          "program_name",
                          request
                              .attributes()
                              .getOrDefault("_client_name", session.context.applicationName())));
    } catch (WardenException e) {
      fail(e);
      return;
    }
    // The database session starts over, as it would for a new user: reset, the modes that change
    // how text is read taken out again, and back in the connection's own schema.
    session.internalCommand(
        new byte[] {(byte) Command.COM_RESET_CONNECTION},
        reset ->
            session.internal(
                door.readableModeStatement(),
                readable -> {
                  String database = session.connection.database();
                  if (database == null || database.isEmpty()) {
                    changed(next, authenticated);
                    return;
                  }
                  byte[] name = database.getBytes(StandardCharsets.UTF_8);
                  byte[] initDb = new byte[name.length + 1];
                  initDb[0] = (byte) Command.COM_INIT_DB;
                  System.arraycopy(name, 0, initDb, 1, name.length);
                  session.internalCommand(initDb, in -> changed(next, authenticated));
                }));
  }

  private void changed(SessionContext next, Authenticated authenticated) {
    session.become(next, authenticated);
    session.userChange = null;
    session.client.writeAndFlush(
        new Packet(sequenceId + 1, new OkPacket(0, 0, session.status, 0, "").encode()));
    session.commandDone();
  }

  /** The change failed: the client hears why, and the connection ends (fail closed). */
  private void fail(WardenException e) {
    session.userChange = null;
    MysqlErrors.failAndClose(session.client, sequenceId + 1, e);
  }
}

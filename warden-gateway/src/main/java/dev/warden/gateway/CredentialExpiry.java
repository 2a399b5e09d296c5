package dev.warden.gateway;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.identity.Authenticated;
import io.netty.channel.Channel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A session does not outlive its token, whichever door it came through: when the credential expires
 * (plus the configured grace), the door ends the session with the error this hands it, whatever the
 * session is doing.
 */
public final class CredentialExpiry {
  private CredentialExpiry() {}

  /**
   * Schedules the end of the session on {@code client} for when {@code authenticated}'s credential
   * expires plus {@code grace} (nothing for a credential that does not expire); {@code end} gets
   * the error to send, on the channel's loop. Cancelled when the channel closes; the returned
   * handle (null when nothing is scheduled) cancels it sooner, when the session becomes another
   * identity.
   */
  public static ScheduledFuture<?> schedule(
      Channel client,
      Authenticated authenticated,
      Duration grace,
      Clock clock,
      Consumer<WardenException> end) {
    if (authenticated.expiresAt() == null) {
      return null;
    }
    Instant at = authenticated.expiresAt().plus(grace);
    long delayMillis = Math.max(0, Duration.between(clock.instant(), at).toMillis());
    ScheduledFuture<?> expiry =
        client
            .eventLoop()
            .schedule(
                () ->
                    end.accept(
                        new WardenException(
                            ErrorCode.CREDENTIAL_EXPIRED,
                            "the token of this session expired at "
                                + authenticated.expiresAt()
                                + "; the session has ended",
                            "reconnect with a fresh token")),
                delayMillis,
                TimeUnit.MILLISECONDS);
    client.closeFuture().addListener(f -> expiry.cancel(false));
    return expiry;
  }
}

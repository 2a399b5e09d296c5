package dev.warden.frontend.postgres;

import dev.warden.protocol.postgres.message.BackendKeyData;
import dev.warden.protocol.postgres.message.ReadyForQuery.TransactionStatus;
import io.netty.channel.Channel;
import java.util.List;
import java.util.Map;

/**
 * A backend session that is authenticated and ready for queries.
 *
 * @param searchPath the schemas unqualified names resolve to (existing ones, in order)
 */
record BackendConnection(
    Channel channel,
    Map<String, String> parameters,
    BackendKeyData key,
    TransactionStatus status,
    List<String> searchPath) {}

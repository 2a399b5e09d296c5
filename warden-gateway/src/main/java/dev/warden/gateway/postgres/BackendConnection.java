package dev.warden.gateway.postgres;

import dev.warden.protocol.postgres.message.BackendKeyData;
import dev.warden.protocol.postgres.message.ReadyForQuery.TransactionStatus;
import io.netty.channel.Channel;
import java.util.Map;

/** A backend session that is authenticated and ready for queries. */
record BackendConnection(
    Channel channel,
    Map<String, String> parameters,
    BackendKeyData key,
    TransactionStatus status) {}

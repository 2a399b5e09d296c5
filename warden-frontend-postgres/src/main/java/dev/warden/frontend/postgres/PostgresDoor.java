package dev.warden.frontend.postgres;

import dev.warden.gateway.FrontDoor;
import dev.warden.gateway.ServerContext;
import io.netty.channel.ChannelHandler;

/** The PostgreSQL wire protocol's door: psql, libpq, pgJDBC, psycopg, node-postgres, pgbench. */
public final class PostgresDoor implements FrontDoor {
  private final PostgresContext context;

  public PostgresDoor(ServerContext server) {
    this.context = PostgresContext.of(server);
  }

  @Override
  public String setting() {
    return "listen.postgres";
  }

  @Override
  public ChannelHandler initializer() {
    return new ClientChannelInitializer(context);
  }
}

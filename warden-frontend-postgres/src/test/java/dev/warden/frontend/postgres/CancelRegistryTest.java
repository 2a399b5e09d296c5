package dev.warden.frontend.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.protocol.postgres.message.BackendKeyData;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class CancelRegistryTest {
  final CancelRegistry registry = new CancelRegistry(new SecureRandom());
  final CancelRegistry.Target target =
      new CancelRegistry.Target("shop", new BackendKeyData(100, 200));

  @Test
  void clientKeyFindsTheBackendKeyAndNothingElseDoes() {
    BackendKeyData clientKey = registry.register(target);
    assertThat(clientKey).isNotEqualTo(target.backendKey());
    assertThat(registry.find(clientKey.processId(), clientKey.secretKey())).contains(target);
    assertThat(registry.find(clientKey.processId(), clientKey.secretKey() + 1)).isEmpty();
    assertThat(registry.find(target.backendKey().processId(), target.backendKey().secretKey()))
        .isEmpty();
  }

  @Test
  void unregisteredKeysStopWorking() {
    BackendKeyData clientKey = registry.register(target);
    registry.unregister(clientKey);
    assertThat(registry.find(clientKey.processId(), clientKey.secretKey())).isEmpty();
    assertThat(registry.size()).isZero();
  }

  @Test
  void keysAreUnique() {
    java.util.Set<Integer> ids = new java.util.HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      ids.add(registry.register(target).processId());
    }
    assertThat(ids).hasSize(10_000);
  }
}

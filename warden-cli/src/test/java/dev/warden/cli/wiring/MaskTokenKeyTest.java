package dev.warden.cli.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaskTokenKeyTest {
  @Test
  void theKeyIsCreatedOnceKeptPrivateAndReused(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    byte[] first = Gateway.maskTokenKey(data);
    assertThat(first).hasSize(32);
    assertThat(Gateway.maskTokenKey(data)).isEqualTo(first);
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(data.resolve("mask-token.key"))))
        .isEqualTo("rw-------");
  }

  @Test
  void aTruncatedKeyIsRefused(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("mask-token.key"), new byte[7]);
    assertThatThrownBy(() -> Gateway.maskTokenKey(dir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("needs 32");
  }
}

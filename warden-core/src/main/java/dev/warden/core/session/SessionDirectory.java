package dev.warden.core.session;

import java.util.List;
import java.util.Map;

/** The live sessions, as the admin API shows them (no secrets). */
public interface SessionDirectory {
  List<Map<String, Object>> sessions();
}

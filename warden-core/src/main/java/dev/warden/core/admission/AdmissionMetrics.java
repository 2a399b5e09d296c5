package dev.warden.core.admission;

/** What the kernel counts; the server turns it into its metrics. */
public interface AdmissionMetrics {
  AdmissionMetrics NONE =
      new AdmissionMetrics() {
        @Override
        public void statement() {}

        @Override
        public void auditUnavailable() {}

        @Override
        public void approval(String outcome) {}

        @Override
        public void approvalWaiting(boolean waiting) {}

        @Override
        public void estimate(long nanos) {}

        @Override
        public void authenticationFailed() {}

        @Override
        public void sessionStarted() {}
      };

  /** A statement was decided. */
  void statement();

  /** A statement was refused because its record could not be made durable. */
  void auditUnavailable();

  /** A held statement's approval ended: run, refused, asked, denied, expired, cancelled. */
  void approval(String outcome);

  /** A session starts (true) or stops (false) waiting for an approval. */
  void approvalWaiting(boolean waiting);

  /** The planner's estimate took this long. */
  void estimate(long nanos);

  /** A client failed to authenticate. */
  void authenticationFailed();

  /** A session started. */
  void sessionStarted();
}

package dev.warden.core.sql;

/**
 * What the analyzer understood of one statement string. The foundation only carries the text and
 * its class; the policy issue adds verbs, objects, functions and parts.
 */
public record Statement(String text, StatementClass statementClass) {}

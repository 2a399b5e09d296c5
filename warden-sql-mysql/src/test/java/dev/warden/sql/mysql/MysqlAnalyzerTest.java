package dev.warden.sql.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.sql.ColumnOrigin;
import dev.warden.core.sql.ColumnUses;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.core.sql.StatementPart;
import dev.warden.core.sql.TableRef;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MysqlAnalyzerTest {
  private final MysqlAnalyzer analyzer = new MysqlAnalyzer("10.11.19-MariaDB-0+deb12u1");

  private StatementPart only(String sql) {
    Statement s = analyzer.analyze(sql);
    assertThat(s.error()).as(sql).isNull();
    assertThat(s.parts()).as(sql).hasSize(1);
    return s.parts().getFirst();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "SELECT * FROM t | SELECT | READ",
        "INSERT INTO t VALUES (1) | INSERT | WRITE",
        "REPLACE INTO t VALUES (1) | REPLACE | WRITE",
        "UPDATE t SET a = 1 | UPDATE | WRITE",
        "DELETE FROM t WHERE a = 1 | DELETE | WRITE",
        "TRUNCATE TABLE t | TRUNCATE | WRITE",
        "CREATE TABLE n (a INT) | CREATE TABLE | DDL",
        "DROP TABLE t | DROP TABLE | DDL",
        "ALTER TABLE t ADD c INT | ALTER TABLE | DDL",
        "CREATE VIEW v AS SELECT a FROM t | CREATE VIEW | DDL",
        "GRANT SELECT ON *.* TO x | GRANT SELECT | DCL",
        "BEGIN | BEGIN | TRANSACTION",
        "START TRANSACTION | BEGIN | TRANSACTION",
        "COMMIT | COMMIT | TRANSACTION",
        "USE shop | USE | SESSION",
        "SET autocommit = 0 | SET | SESSION",
        "SET GLOBAL max_connections = 1 | SET GLOBAL | UTILITY",
        "SHOW TABLES | SHOW | READ",
        "SHOW WARNINGS | SHOW | SESSION",
        "SHOW VARIABLES LIKE 'sql_mode' | SHOW | SESSION",
        "CALL p(1) | CALL | UTILITY",
        "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t | LOAD DATA LOCAL | UTILITY",
        "SELECT * FROM t INTO OUTFILE '/tmp/x' | SELECT INTO OUTFILE | UTILITY",
        "KILL QUERY 5 | KILL QUERY | UTILITY",
        "LOCK TABLES t READ | LOCK TABLES | UTILITY",
      })
  void classifiesStatements(String sql, String verb, StatementClass cls) {
    StatementPart part = only(sql);
    assertThat(part.verb()).isEqualTo(verb);
    assertThat(part.statementClass()).isEqualTo(cls);
  }

  @Test
  void aVersionedCommentIsAnalysedAsTheServerRunsIt() {
    Statement s = analyzer.analyze("SELECT 1; /*!50000 DROP TABLE t */");
    assertThat(s.parts()).extracting(StatementPart::verb).containsExactly("SELECT", "DROP TABLE");
    assertThat(s.statementClass()).isEqualTo(StatementClass.DDL);
    // Without a statement of its own, inside one: the hidden column is an output.
    StatementPart part = only("SELECT /*!50000 card, */ id FROM shop.customers");
    assertThat(part.columns().outputs()).hasSize(2);
    assertThat(part.columns().outputs().getFirst().sources())
        .containsExactly(ColumnOrigin.of(new TableRef("shop", "customers"), "card"));
    // MariaDB's own kind.
    assertThat(analyzer.analyze("/*M!100000 DROP TABLE t */").parts().getFirst().verb())
        .isEqualTo("DROP TABLE");
    // A version above the server's is a comment.
    assertThat(only("SELECT 1 /*!999999 , card FROM customers */").columns().outputs()).hasSize(1);
  }

  @Test
  void stringsAndCommentsAreReadAsTheServerReadsThem() {
    // A backslash escapes the quote: one statement whose string holds the rest.
    Statement s = analyzer.analyze("SELECT 'a\\' ; DROP TABLE t; -- '");
    assertThat(s.parts()).hasSize(1);
    assertThat(s.parts().getFirst().writes()).isEmpty();
    // '#' comments to the end of the line; '--' needs a space after it.
    assertThat(analyzer.analyze("SELECT 1 # ; DROP TABLE t\n").parts()).hasSize(1);
    assertThat(analyzer.analyze("SELECT 1 -- ; DROP TABLE t\n").parts()).hasSize(1);
    // A versioned marker inside a string is text, not code.
    assertThat(analyzer.analyze("SELECT '/*!50000 DROP TABLE t */'").parts().getFirst().verb())
        .isEqualTo("SELECT");
    // Several statements are each decided.
    assertThat(analyzer.analyze("SELECT 1; DELETE FROM t").parts()).hasSize(2);
  }

  @Test
  void unclearTextAndUnknownGrammarAreInvalid() {
    assertThat(analyzer.analyze("SELECT 1 /*! DROP TABLE t").statementClass())
        .isEqualTo(StatementClass.INVALID);
    assertThat(analyzer.analyze("HANDLER t OPEN").statementClass())
        .isEqualTo(StatementClass.INVALID);
    assertThat(analyzer.analyze("SELECT 'unterminated").statementClass())
        .isEqualTo(StatementClass.INVALID);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "SHOW COLUMNS FROM t | | t",
        "SHOW FULL FIELDS FROM t FROM shop | shop | t",
        "SHOW COLUMNS FROM shop.t | shop | t",
        "SHOW INDEX FROM t | | t",
        "SHOW CREATE TABLE shop.t | shop | t",
        "SHOW CREATE VIEW v | | v",
      })
  void aShowAboutOneTableReadsIt(String sql, String schema, String table) {
    StatementPart part = only(sql);
    assertThat(part.verb()).isEqualTo("SHOW");
    assertThat(part.reads()).containsExactly(new TableRef(schema, table));
  }

  @Test
  void aStatementUnderMariaDbsSetStatementForIsAnalysedItself() {
    // What MariaDB Connector/J sends for setMaxRows: the inner statement must be seen.
    Statement s = analyzer.analyze("SET STATEMENT SQL_SELECT_LIMIT=11 FOR DELETE FROM shop.t");
    assertThat(s.parts()).extracting(StatementPart::verb).containsExactly("SET", "DELETE");
    assertThat(s.statementClass()).isEqualTo(StatementClass.WRITE);
    assertThat(s.parts().get(1).writes()).containsExactly(new TableRef("shop", "t"));
    assertThat(
            analyzer
                .analyze("SET STATEMENT max_statement_time=1 FOR DROP TABLE t")
                .statementClass())
        .isEqualTo(StatementClass.DDL);
    // Nested, as Connector/J wraps a client's own SET STATEMENT in its row cap.
    assertThat(
            analyzer.analyze("SET STATEMENT a=1 FOR SET STATEMENT b=2 FOR DELETE FROM t").parts())
        .extracting(StatementPart::verb)
        .containsExactly("SET", "SET", "DELETE");
    StatementPart read =
        analyzer.analyze("set statement a=1 for SELECT card FROM shop.customers").parts().get(1);
    assertThat(read.columns().outputs().getFirst().sources())
        .containsExactly(ColumnOrigin.of(new TableRef("shop", "customers"), "card"));
  }

  @Test
  void tablesReadAndWritten() {
    StatementPart part = only("INSERT INTO shop.a (x) SELECT y FROM b JOIN shop.c ON b.id = c.id");
    assertThat(part.writes()).containsExactly(new TableRef("shop", "a"));
    assertThat(part.reads())
        .containsExactlyInAnyOrder(new TableRef(null, "b"), new TableRef("shop", "c"));
    StatementPart cte = only("WITH x AS (SELECT id FROM shop.orders) SELECT * FROM x");
    assertThat(cte.reads()).containsExactly(new TableRef("shop", "orders"));
    assertThat(only("CREATE VIEW v AS SELECT a FROM t").writes()).contains(new TableRef(null, "v"));
  }

  @Test
  void lineageOfOutputsShapingAndCopies() {
    TableRef customers = new TableRef("shop", "customers");
    StatementPart part =
        only(
            "SELECT c.name, upper(c.card) AS u, o.total FROM shop.customers c"
                + " JOIN shop.orders o ON o.customer_id = c.id WHERE c.email = 'x' ORDER BY c.card");
    List<ColumnUses.Output> outputs = part.columns().outputs();
    assertThat(outputs.get(0).direct()).isTrue();
    assertThat(outputs.get(0).sources()).containsExactly(ColumnOrigin.of(customers, "name"));
    assertThat(outputs.get(1).direct()).isFalse();
    assertThat(outputs.get(1).sources()).containsExactly(ColumnOrigin.of(customers, "card"));
    assertThat(part.columns().shaping())
        .contains(
            ColumnOrigin.of(customers, "email"),
            ColumnOrigin.of(customers, "card"),
            ColumnOrigin.of(customers, "id"));
    assertThat(only("SELECT * FROM shop.customers").columns().outputs().getFirst().star())
        .isEqualTo(customers);
    // Copied into a variable: out of masking's sight.
    assertThat(only("SELECT card INTO @x FROM shop.customers").columns().derived())
        .contains(ColumnOrigin.of(customers, "card"));
    assertThat(only("SET @y = (SELECT card FROM shop.customers LIMIT 1)").columns().derived())
        .contains(ColumnOrigin.of(customers, "card"));
    // A branch on a column is sensitive.
    assertThat(only("SELECT IF(card LIKE '4%', 1, 0) FROM shop.customers").columns().sensitive())
        .contains(ColumnOrigin.of(customers, "card"));
    // Through a derived table.
    StatementPart derived = only("SELECT d.k FROM (SELECT card AS k FROM shop.customers) d");
    assertThat(derived.columns().outputs().getFirst().sources())
        .containsExactly(ColumnOrigin.of(customers, "card"));
  }

  @Test
  void writtenValuesAndParameters() {
    StatementPart part = only("INSERT INTO shop.customers (name, card) VALUES (?, '4111')");
    assertThat(part.columns().writes())
        .containsExactly(
            new ColumnUses.ColumnWrite(new TableRef("shop", "customers"), "name", null, 1),
            new ColumnUses.ColumnWrite(new TableRef("shop", "customers"), "card", "4111", 0));
  }

  @Test
  void settingsThatChangeHowTextIsReadAreNamedForTheGuard() {
    assertThat(only("SET sql_mode = 'ANSI_QUOTES'").settings()).containsExactly("sql_mode");
    assertThat(only("SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI')").settings())
        .containsExactly("sql_mode");
    // What MariaDB Connector/J sends at connect: the current mode plus a neutral flag.
    assertThat(only("SET sql_mode = CONCAT(@@sql_mode, ',STRICT_TRANS_TABLES')").settings())
        .doesNotContain("sql_mode");
    assertThat(only("SET sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')").settings())
        .containsExactly("sql_mode");
    assertThat(only("SET sql_mode = CONCAT(@@global.sql_mode, '')").settings())
        .containsExactly("sql_mode");
    assertThat(only("SET sql_mode = 'STRICT_TRANS_TABLES'").settings()).doesNotContain("sql_mode");
    assertThat(only("SET NAMES gbk").settings()).containsExactly("character_set_client");
    assertThat(only("SET NAMES utf8mb4").settings()).doesNotContain("character_set_client");
    assertThat(only("SET @@session.character_set_client = 'sjis'").settings())
        .containsExactly("character_set_client");
  }

  @Test
  void aSessionSettingThatReadsAGlobalIsNotSetGlobal() {
    // What MariaDB Connector/J sends at connect.
    StatementPart part =
        only(
            "SET autocommit=1, sql_mode = concat(@@sql_mode,',STRICT_TRANS_TABLES'),"
                + " session_track_system_variables ="
                + " CONCAT(@@global.session_track_system_variables,',auto_increment_increment')");
    assertThat(part.verb()).isEqualTo("SET");
    assertThat(part.settings()).doesNotContain("sql_mode");
    assertThat(only("SET @@global.max_connections = 1").verb()).isEqualTo("SET GLOBAL");
  }

  @Test
  void functionsAndLocks() {
    assertThat(only("SELECT LOAD_FILE('/etc/passwd')").functions()).contains("load_file");
    assertThat(only("SELECT upper(name), count(*) FROM t").functions()).contains("upper", "count");
    assertThat(only("SELECT a FROM t FOR UPDATE").locksRows()).isTrue();
    assertThat(only("SELECT a FROM t LOCK IN SHARE MODE").locksRows()).isTrue();
    assertThat(only("CALL shop.refund(1)").functions()).contains("shop.refund");
    assertThat(MysqlFunctions.builtin().mayWrite("load_file")).isTrue();
    assertThat(MysqlFunctions.builtin().mayWrite("upper")).isFalse();
    assertThat(MysqlFunctions.builtin().mayWrite("get_lock")).isTrue();
  }
}

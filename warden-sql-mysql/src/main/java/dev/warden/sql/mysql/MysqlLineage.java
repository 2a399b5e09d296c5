package dev.warden.sql.mysql;

import com.alibaba.druid.sql.ast.SQLExpr;
import com.alibaba.druid.sql.ast.SQLObject;
import com.alibaba.druid.sql.ast.expr.SQLAggregateExpr;
import com.alibaba.druid.sql.ast.expr.SQLAllColumnExpr;
import com.alibaba.druid.sql.ast.expr.SQLBinaryOpExpr;
import com.alibaba.druid.sql.ast.expr.SQLCaseExpr;
import com.alibaba.druid.sql.ast.expr.SQLCastExpr;
import com.alibaba.druid.sql.ast.expr.SQLCharExpr;
import com.alibaba.druid.sql.ast.expr.SQLExistsExpr;
import com.alibaba.druid.sql.ast.expr.SQLIdentifierExpr;
import com.alibaba.druid.sql.ast.expr.SQLInSubQueryExpr;
import com.alibaba.druid.sql.ast.expr.SQLMethodInvokeExpr;
import com.alibaba.druid.sql.ast.expr.SQLPropertyExpr;
import com.alibaba.druid.sql.ast.expr.SQLQueryExpr;
import com.alibaba.druid.sql.ast.expr.SQLVariantRefExpr;
import com.alibaba.druid.sql.ast.statement.SQLExprTableSource;
import com.alibaba.druid.sql.ast.statement.SQLJoinTableSource;
import com.alibaba.druid.sql.ast.statement.SQLSelect;
import com.alibaba.druid.sql.ast.statement.SQLSelectItem;
import com.alibaba.druid.sql.ast.statement.SQLSelectOrderByItem;
import com.alibaba.druid.sql.ast.statement.SQLSelectQuery;
import com.alibaba.druid.sql.ast.statement.SQLSelectQueryBlock;
import com.alibaba.druid.sql.ast.statement.SQLSubqueryTableSource;
import com.alibaba.druid.sql.ast.statement.SQLTableSource;
import com.alibaba.druid.sql.ast.statement.SQLUnionOperator;
import com.alibaba.druid.sql.ast.statement.SQLUnionQuery;
import com.alibaba.druid.sql.ast.statement.SQLUnionQueryTableSource;
import com.alibaba.druid.sql.ast.statement.SQLWithSubqueryClause;
import com.alibaba.druid.sql.dialect.mysql.visitor.MySqlASTVisitorAdapter;
import dev.warden.core.sql.ColumnOrigin;
import dev.warden.core.sql.ColumnUses;
import dev.warden.core.sql.TableRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The lineage of a MySQL statement's values, for masking: which base columns each result column
 * comes from, which columns shape the result (WHERE, JOIN, GROUP BY, HAVING, ORDER BY, DISTINCT,
 * set operations that compare rows), which are copied elsewhere (into tables or variables), and
 * which may decide something other than a cell (a branch, an error). What it cannot resolve is
 * {@link ColumnOrigin#UNKNOWN}: any column of any table the statement reads (fail closed).
 */
final class MysqlLineage {
  /**
   * Functions that pass their arguments on without deciding anything from them: a masked argument
   * makes the value masked whole, and nothing else. Every other function may fail, branch or take
   * time on its argument's value, which makes a masked argument an oracle.
   */
  private static final Set<String> TOTAL =
      Set.of(
          "upper",
          "lower",
          "ucase",
          "lcase",
          "concat",
          "concat_ws",
          "trim",
          "ltrim",
          "rtrim",
          "length",
          "char_length",
          "character_length",
          "reverse",
          "count",
          "max",
          "min",
          "group_concat",
          "any_value",
          "hex",
          "md5",
          "sha1",
          "sha2",
          "quote",
          "lpad",
          "rpad",
          "left",
          "right",
          "substring",
          "substr",
          "mid",
          "replace",
          "repeat",
          "space");

  final Set<ColumnOrigin> shaping = new LinkedHashSet<>();
  final Set<ColumnOrigin> derived = new LinkedHashSet<>();
  final Set<ColumnOrigin> sensitive = new LinkedHashSet<>();
  final List<ColumnUses.ColumnWrite> writes = new ArrayList<>();

  /**
   * A relation in a FROM clause: a base table, or a derived table (subquery, CTE) and its outputs.
   */
  record Relation(TableRef table, List<String> names, List<ColumnUses.Output> outputs) {}

  /** The relations visible in a query block, innermost first when looked up. */
  static final class Scope {
    final Scope outer;
    final Map<String, Relation> relations = new LinkedHashMap<>();
    final Map<String, Relation> ctes;

    Scope(Scope outer, Map<String, Relation> ctes) {
      this.outer = outer;
      this.ctes = ctes;
    }

    Relation cte(String name) {
      for (Scope s = this; s != null; s = s.outer) {
        Relation r = s.ctes.get(name);
        if (r != null) {
          return r;
        }
      }
      return null;
    }
  }

  ColumnUses uses(List<ColumnUses.Output> outputs) {
    return new ColumnUses(shaping, derived, writes, outputs, sensitive);
  }

  /** A whole SELECT (with its CTEs): its outputs, in order. */
  List<ColumnUses.Output> select(SQLSelect select, Scope outer, List<String> names) {
    Map<String, Relation> ctes = new LinkedHashMap<>();
    Scope scope = new Scope(outer, ctes);
    SQLWithSubqueryClause with = select.getWithSubQuery();
    if (with != null) {
      for (SQLWithSubqueryClause.Entry entry : with.getEntries()) {
        List<String> cteNames = new ArrayList<>();
        List<ColumnUses.Output> outs =
            entry.getSubQuery() == null
                ? List.of(unknown())
                : select(entry.getSubQuery(), scope, cteNames);
        if (!entry.getColumns().isEmpty()) {
          cteNames = entry.getColumns().stream().map(c -> name(c.toString())).toList();
        }
        ctes.put(name(entry.getAlias()), new Relation(null, cteNames, outs));
      }
    }
    List<ColumnUses.Output> outputs = query(select.getQuery(), scope, names);
    if (select.getOrderBy() != null) {
      for (SQLSelectOrderByItem item : select.getOrderBy().getItems()) {
        shaping.addAll(origins(item.getExpr(), scope, outputs, names));
      }
    }
    return outputs;
  }

  List<ColumnUses.Output> query(SQLSelectQuery query, Scope outer, List<String> names) {
    if (query instanceof SQLUnionQuery union) {
      List<ColumnUses.Output> result = null;
      for (SQLSelectQuery branch : union.getRelations()) {
        List<String> branchNames = new ArrayList<>();
        List<ColumnUses.Output> outs = query(branch, outer, branchNames);
        if (result == null) {
          result = outs;
          names.addAll(branchNames);
        } else {
          result = merge(result, outs);
        }
      }
      if (union.getOperator() != SQLUnionOperator.UNION_ALL) {
        // UNION (DISTINCT), INTERSECT, EXCEPT compare whole rows.
        result.forEach(o -> shaping.addAll(o.sources()));
      }
      if (union.getOrderBy() != null) {
        for (SQLSelectOrderByItem item : union.getOrderBy().getItems()) {
          shaping.addAll(origins(item.getExpr(), new Scope(outer, Map.of()), result, names));
        }
      }
      return result;
    }
    if (!(query instanceof SQLSelectQueryBlock block)) {
      return List.of(unknown());
    }
    Scope scope = new Scope(outer, Map.of());
    if (block.getFrom() != null) {
      from(block.getFrom(), scope);
    }
    List<ColumnUses.Output> outputs = new ArrayList<>();
    for (SQLSelectItem item : block.getSelectList()) {
      SQLExpr expr = item.getExpr();
      if (expr instanceof SQLAllColumnExpr) {
        for (Relation r : scope.relations.values()) {
          star(r, outputs, names);
        }
        continue;
      }
      if (expr instanceof SQLPropertyExpr p && p.getName().equals("*")) {
        Relation r = relation(p.getOwner(), scope);
        if (r == null) {
          outputs.add(unknown());
          names.add("*");
        } else {
          star(r, outputs, names);
        }
        continue;
      }
      boolean direct = column(expr);
      Set<ColumnOrigin> sources = origins(expr, scope, null, null);
      if (!direct) {
        sensitive(expr, scope);
      }
      outputs.add(new ColumnUses.Output(sources, direct, null));
      names.add(
          item.getAlias() != null
              ? name(item.getAlias())
              : expr instanceof SQLIdentifierExpr id
                  ? name(id.getName())
                  : expr instanceof SQLPropertyExpr p ? name(p.getName()) : expr.toString());
    }
    if (block.getWhere() != null) {
      shaping.addAll(origins(block.getWhere(), scope, null, null));
    }
    if (block.getGroupBy() != null) {
      for (SQLExpr e : block.getGroupBy().getItems()) {
        shaping.addAll(origins(e, scope, outputs, names));
      }
      if (block.getGroupBy().getHaving() != null) {
        shaping.addAll(origins(block.getGroupBy().getHaving(), scope, outputs, names));
      }
    }
    if (block.getOrderBy() != null) {
      for (SQLSelectOrderByItem item : block.getOrderBy().getItems()) {
        shaping.addAll(origins(item.getExpr(), scope, outputs, names));
      }
    }
    if (block.getDistionOption() != 0) {
      outputs.forEach(o -> shaping.addAll(o.sources()));
    }
    if (block.getInto() != null) {
      // SELECT … INTO @variable / OUTFILE: the values go where Warden cannot mask them.
      outputs.forEach(o -> derived.addAll(o.sources()));
    }
    return outputs;
  }

  private void star(Relation r, List<ColumnUses.Output> outputs, List<String> names) {
    if (r.table() != null) {
      outputs.add(ColumnUses.Output.starOf(r.table()));
      names.add("*");
    } else {
      outputs.addAll(r.outputs());
      names.addAll(r.names());
    }
  }

  private void from(SQLTableSource source, Scope scope) {
    switch (source) {
      case SQLExprTableSource t -> {
        TableRef table = MysqlAnalyzer.table(t);
        String alias =
            t.getAlias() != null ? name(t.getAlias()) : table == null ? "?" : table.name();
        Relation cte = table != null && table.schema() == null ? scope.cte(table.name()) : null;
        scope.relations.put(
            alias, cte != null ? cte : new Relation(table, List.of(), List.of(unknown())));
      }
      case SQLJoinTableSource join -> {
        from(join.getLeft(), scope);
        from(join.getRight(), scope);
        if (join.getCondition() != null) {
          shaping.addAll(origins(join.getCondition(), scope, null, null));
        }
        for (SQLExpr using : join.getUsing()) {
          shaping.addAll(origins(using, scope, null, null));
        }
      }
      case SQLSubqueryTableSource sub -> {
        List<String> names = new ArrayList<>();
        List<ColumnUses.Output> outs = select(sub.getSelect(), scope.outer, names);
        scope.relations.put(
            sub.getAlias() == null ? "?" + scope.relations.size() : name(sub.getAlias()),
            new Relation(null, names, outs));
      }
      case SQLUnionQueryTableSource union -> {
        List<String> names = new ArrayList<>();
        List<ColumnUses.Output> outs = query(union.getUnion(), scope.outer, names);
        scope.relations.put(
            union.getAlias() == null ? "?" + scope.relations.size() : name(union.getAlias()),
            new Relation(null, names, outs));
      }
      default ->
          scope.relations.put(
              "?" + scope.relations.size(), new Relation(null, List.of("?"), List.of(unknown())));
    }
  }

  private Relation relation(SQLExpr owner, Scope scope) {
    String key =
        owner instanceof SQLPropertyExpr p
            ? name(p.getName())
            : owner instanceof SQLIdentifierExpr id ? name(id.getName()) : null;
    if (key == null) {
      return null;
    }
    for (Scope s = scope; s != null; s = s.outer) {
      Relation r = s.relations.get(key);
      if (r != null) {
        return r;
      }
    }
    return null;
  }

  /** Every base column {@code expr}'s value may come from; subqueries' own uses are recorded. */
  Set<ColumnOrigin> origins(
      SQLExpr expr, Scope scope, List<ColumnUses.Output> outputs, List<String> outputNames) {
    Set<ColumnOrigin> found = new LinkedHashSet<>();
    if (expr == null) {
      return found;
    }
    expr.accept(
        new MySqlASTVisitorAdapter() {
          @Override
          public boolean visit(SQLIdentifierExpr x) {
            found.addAll(resolve(null, x.getName(), scope, outputs, outputNames));
            return false;
          }

          @Override
          public boolean visit(SQLPropertyExpr x) {
            found.addAll(resolve(x.getOwner(), x.getName(), scope, outputs, outputNames));
            return false;
          }

          @Override
          public boolean visit(SQLQueryExpr x) {
            select(x.getSubQuery(), scope, new ArrayList<>())
                .forEach(o -> found.addAll(o.sources()));
            return false;
          }

          @Override
          public boolean visit(SQLInSubQueryExpr x) {
            found.addAll(origins(x.getExpr(), scope, outputs, outputNames));
            // IN (subquery) compares with every row of it.
            select(x.getSubQuery(), scope, new ArrayList<>())
                .forEach(
                    o -> {
                      found.addAll(o.sources());
                      shaping.addAll(o.sources());
                    });
            return false;
          }

          @Override
          public boolean visit(SQLExistsExpr x) {
            select(x.getSubQuery(), scope, new ArrayList<>())
                .forEach(o -> found.addAll(o.sources()));
            return false;
          }

          @Override
          public boolean visit(SQLVariantRefExpr x) {
            return false;
          }
        });
    return found;
  }

  private Set<ColumnOrigin> resolve(
      SQLExpr owner,
      String column,
      Scope scope,
      List<ColumnUses.Output> outputs,
      List<String> names) {
    String col = name(column);
    if (owner != null) {
      Relation r = relation(owner, scope);
      if (r == null) {
        // schema.table.column, or a name Warden cannot place.
        TableRef t =
            owner instanceof SQLPropertyExpr p && p.getOwner() instanceof SQLIdentifierExpr s
                ? new TableRef(name(s.getName()), name(p.getName()))
                : null;
        return Set.of(t == null ? ColumnOrigin.UNKNOWN : ColumnOrigin.of(t, col));
      }
      return fromRelation(r, col);
    }
    // An output alias (ORDER BY, GROUP BY, HAVING may name one).
    if (outputs != null && names != null) {
      int at = names.indexOf(col);
      if (at >= 0 && at < outputs.size()) {
        return outputs.get(at).sources();
      }
    }
    for (Scope s = scope; s != null; s = s.outer) {
      if (s.relations.isEmpty()) {
        continue;
      }
      Set<ColumnOrigin> candidates = new LinkedHashSet<>();
      for (Relation r : s.relations.values()) {
        candidates.addAll(fromRelation(r, col));
      }
      return candidates;
    }
    return Set.of();
  }

  private static Set<ColumnOrigin> fromRelation(Relation r, String col) {
    if (r.table() != null) {
      return Set.of(ColumnOrigin.of(r.table(), col));
    }
    int at = r.names().indexOf(col);
    if (at >= 0 && at < r.outputs().size()) {
      return r.outputs().get(at).sources();
    }
    Set<ColumnOrigin> all = new LinkedHashSet<>();
    r.outputs().forEach(o -> all.addAll(o.sources()));
    return all;
  }

  /** Columns under a branch, a cast or a function that may fail decide more than a cell. */
  private void sensitive(SQLExpr expr, Scope scope) {
    expr.accept(
        new MySqlASTVisitorAdapter() {
          @Override
          public boolean visit(SQLCaseExpr x) {
            sensitive.addAll(origins(x, scope, null, null));
            return false;
          }

          @Override
          public boolean visit(SQLCastExpr x) {
            sensitive.addAll(origins(x, scope, null, null));
            return false;
          }

          @Override
          public boolean visit(SQLBinaryOpExpr x) {
            if (x.getOperator() != null && !x.getOperator().name().equals("Concat")) {
              sensitive.addAll(origins(x, scope, null, null));
              return false;
            }
            return true;
          }

          @Override
          public boolean visit(SQLAggregateExpr x) {
            return method(x);
          }

          @Override
          public boolean visit(SQLMethodInvokeExpr x) {
            return method(x);
          }

          private boolean method(SQLMethodInvokeExpr x) {
            if (!TOTAL.contains(x.getMethodName().toLowerCase(Locale.ROOT))) {
              sensitive.addAll(origins(x, scope, null, null));
              return false;
            }
            return true;
          }
        });
  }

  private static List<ColumnUses.Output> merge(
      List<ColumnUses.Output> a, List<ColumnUses.Output> b) {
    if (a.size() != b.size()
        || a.stream().anyMatch(o -> o.star() != null)
        || b.stream().anyMatch(o -> o.star() != null)) {
      Set<ColumnOrigin> all = new LinkedHashSet<>();
      a.forEach(o -> all.addAll(o.sources()));
      b.forEach(o -> all.addAll(o.sources()));
      all.add(ColumnOrigin.UNKNOWN);
      return List.of(ColumnUses.Output.of(all, false));
    }
    List<ColumnUses.Output> merged = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      Set<ColumnOrigin> s = new LinkedHashSet<>(a.get(i).sources());
      s.addAll(b.get(i).sources());
      merged.add(ColumnUses.Output.of(s, a.get(i).direct() && b.get(i).direct()));
    }
    return merged;
  }

  /** A value written into a column: a string constant, a {@code ?} parameter, or an expression. */
  ColumnUses.ColumnWrite write(TableRef table, String column, SQLExpr value, Scope scope) {
    if (value instanceof SQLCharExpr c) {
      return new ColumnUses.ColumnWrite(table, name(column), c.getText(), 0);
    }
    if (value instanceof SQLVariantRefExpr v && v.getName().equals("?")) {
      return new ColumnUses.ColumnWrite(table, name(column), null, v.getIndex() + 1);
    }
    derived.addAll(origins(value, scope, null, null));
    return new ColumnUses.ColumnWrite(table, name(column), null, 0);
  }

  static boolean column(SQLObject expr) {
    return expr instanceof SQLIdentifierExpr
        || (expr instanceof SQLPropertyExpr p && !p.getName().equals("*"));
  }

  static ColumnUses.Output unknown() {
    return ColumnUses.Output.of(Set.of(ColumnOrigin.UNKNOWN), false);
  }

  /** A name as MySQL compares it: unquoted, lower case. */
  static String name(String name) {
    if (name == null) {
      return null;
    }
    String n = name;
    if (n.length() >= 2
        && (n.charAt(0) == '`' || n.charAt(0) == '"' || n.charAt(0) == '\'')
        && n.charAt(n.length() - 1) == n.charAt(0)) {
      n = n.substring(1, n.length() - 1);
    }
    return n.toLowerCase(Locale.ROOT);
  }
}

package dev.warden.sql.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.core.sql.ColumnOrigin;
import dev.warden.core.sql.ColumnUses;
import dev.warden.core.sql.ColumnUses.ColumnWrite;
import dev.warden.core.sql.ColumnUses.Output;
import dev.warden.core.sql.TableRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lineage of a statement's values, for masking: every output column traced back to the base
 * columns it may come from — through aliases, casts, functions, operators, CASE, subqueries, CTEs
 * (recursive ones too), set operations, VALUES, {@code *} and {@code t.*}, whole-row references,
 * row, array and JSON constructors and aggregates — and every column that shapes the result or is
 * copied into a table.
 *
 * <p>Names are resolved the way PostgreSQL resolves them, scope by scope, without a catalog: a name
 * that may belong to any of several tables is an origin in each of them (the gateway keeps those
 * its catalog confirms), and a reference that cannot be resolved at all is {@link
 * ColumnOrigin#UNKNOWN}, which the gateway treats as every masked column of the statement's tables.
 * Over-approximation only ever masks or refuses more, never less.
 */
final class Lineage {
  /** A star whose width the analysis cannot know (a function returning a record, say). */
  static final TableRef SOME_COLUMNS = new TableRef(null, "");

  /** Statement node types whose outputs are rows. */
  private static final Set<String> QUERIES =
      Set.of("SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt");

  private final Set<ColumnOrigin> shaping = new LinkedHashSet<>();
  private final Set<ColumnOrigin> derived = new LinkedHashSet<>();
  private final Set<ColumnOrigin> sensitive = new LinkedHashSet<>();
  private final List<ColumnWrite> writes = new ArrayList<>();

  private Lineage() {}

  /** A column of a relation or a result: its name (null for a star), where its value comes from. */
  private record Col(String name, Set<ColumnOrigin> sources, boolean direct, TableRef star) {
    static Col star(TableRef table) {
      return new Col(null, Set.of(ColumnOrigin.of(table, "*")), true, table);
    }

    static Col computed(String name, Set<ColumnOrigin> sources) {
      return new Col(name, sources, false, null);
    }
  }

  /**
   * A relation in a FROM list: a base table (its columns are the catalog's), a relation with known
   * columns (subquery, CTE, VALUES, a join with an alias), or a function (every column comes from
   * its arguments).
   */
  private record Rel(
      String name,
      TableRef table,
      List<String> renamed,
      List<Col> columns,
      Set<ColumnOrigin> function) {

    /** The columns a name may be in this relation, and whether one is certainly it. */
    boolean lookup(String column, List<Col> into) {
      if (table != null) {
        int renamedAt = renamed.indexOf(column);
        if (renamedAt >= 0) {
          // FROM t AS a(x, y): which column x is needs the catalog; any of the table's.
          into.add(Col.computed(column, Set.of(ColumnOrigin.of(table, "*"))));
          return true;
        }
        into.add(new Col(column, Set.of(ColumnOrigin.of(table, column)), true, null));
        return false;
      }
      if (function != null) {
        into.add(Col.computed(column, function));
        return columns != null && columns.stream().anyMatch(c -> column.equals(c.name()));
      }
      boolean definite = false;
      for (Col c : columns) {
        if (column.equals(c.name())) {
          into.add(c);
          definite = true;
        } else if (c.star() != null && c.star() != SOME_COLUMNS) {
          into.add(new Col(column, Set.of(ColumnOrigin.of(c.star(), column)), true, null));
        } else if (c.star() == SOME_COLUMNS) {
          into.add(Col.computed(column, c.sources()));
        }
      }
      return definite;
    }

    /** The relation's columns for {@code *} and {@code rel.*}. */
    List<Col> star() {
      if (table != null) {
        return List.of(Col.star(table));
      }
      if (columns != null) {
        return function == null
            ? columns
            : columns.stream().map(c -> Col.computed(c.name(), function)).toList();
      }
      return List.of(new Col(name, function, false, SOME_COLUMNS));
    }

    /** Everything the relation's values come from (a whole-row reference). */
    Set<ColumnOrigin> all() {
      if (table != null) {
        return Set.of(ColumnOrigin.of(table, "*"));
      }
      if (function != null) {
        return function;
      }
      Set<ColumnOrigin> all = new LinkedHashSet<>();
      columns.forEach(c -> all.addAll(c.sources()));
      return all;
    }
  }

  /** The relations and CTEs visible at one query level. */
  private static final class Scope {
    final Scope outer;
    final List<Rel> rels = new ArrayList<>();
    final Map<String, List<Col>> ctes = new HashMap<>();

    Scope(Scope outer) {
      this.outer = outer;
    }

    List<Col> cte(String name) {
      for (Scope s = this; s != null; s = s.outer) {
        List<Col> cols = s.ctes.get(name);
        if (cols != null) {
          return cols;
        }
      }
      return null;
    }
  }

  /** The column uses of one statement of a string. */
  static ColumnUses of(String type, JsonNode node) {
    Lineage lineage = new Lineage();
    List<Col> outputs = lineage.statement(type, node, null);
    List<Output> out = new ArrayList<>(outputs.size());
    for (Col c : outputs) {
      out.add(new Output(c.sources(), c.direct(), c.star()));
    }
    return new ColumnUses(lineage.shaping, lineage.derived, lineage.writes, out, lineage.sensitive);
  }

  /** Evaluates a statement; returns the columns it sends to the client (or to its caller). */
  private List<Col> statement(String type, JsonNode node, Scope outer) {
    return switch (type) {
      case "SelectStmt" -> {
        List<Col> out = select(node, outer);
        if (node.has("intoClause")) {
          derive(out); // SELECT INTO: the rows go into a new table
          yield List.of();
        }
        yield out;
      }
      case "InsertStmt" -> insert(node, outer);
      case "UpdateStmt" -> update(node, outer);
      case "DeleteStmt" -> delete(node, outer);
      case "MergeStmt" -> merge(node, outer);
      case "CopyStmt" -> copy(node, outer);
      case "DeclareCursorStmt" -> query(node.path("query"), outer);
      case "CreateTableAsStmt", "ViewStmt" -> {
        derive(query(node.path("query"), outer));
        yield List.of();
      }
      case "ExplainStmt" -> {
        // The plan shows no values, but its row counts show what the filters kept: the
        // statement's shaping counts, its outputs are not sent.
        query(node.path("query"), outer);
        yield List.of();
      }
      default -> {
        generic(node, new Scope(outer));
        yield List.of();
      }
    };
  }

  /** A wrapped statement node ({@code {"SelectStmt": {…}}}). */
  private List<Col> query(JsonNode wrapped, Scope outer) {
    if (!wrapped.isObject() || wrapped.size() != 1) {
      return List.of();
    }
    String type = wrapped.fieldNames().next();
    return statement(type, wrapped.path(type), outer);
  }

  private void derive(List<Col> cols) {
    for (Col c : cols) {
      derived.addAll(c.sources());
    }
  }

  // ---- SELECT ----

  private List<Col> select(JsonNode s, Scope outer) {
    Scope scope = new Scope(outer);
    with(s.path("withClause"), scope);
    List<Col> out;
    if (!s.path("op").asText("SETOP_NONE").equals("SETOP_NONE")) {
      List<Col> left = select(s.path("larg"), scope);
      List<Col> right = select(s.path("rarg"), scope);
      out = combine(left, right);
      if (!s.path("all").asBoolean(false)) {
        // UNION, INTERSECT and EXCEPT without ALL compare whole rows.
        out.forEach(c -> shaping.addAll(c.sources()));
      }
    } else if (s.has("valuesLists")) {
      out = values(s.path("valuesLists"), scope);
    } else {
      for (JsonNode item : s.path("fromClause")) {
        from(item, scope);
      }
      out = targets(s.path("targetList"), scope);
      shape(s.path("whereClause"), scope);
      shape(s.path("havingClause"), scope);
      for (JsonNode window : s.path("windowClause")) {
        window(window.path("WindowDef"), scope);
      }
      for (JsonNode item : s.path("groupClause")) {
        shaping.addAll(byOutput(item, scope, out, false));
      }
      JsonNode distinct = s.path("distinctClause");
      if (distinct.isArray() && !distinct.isEmpty()) {
        if (distinct.size() == 1 && distinct.get(0).isEmpty()) {
          out.forEach(c -> shaping.addAll(c.sources())); // plain DISTINCT: every output
        } else {
          for (JsonNode item : distinct) {
            if (item.has("A_Const")) {
              // DISTINCT ON (2): libpg_query's normalization makes the position a parameter, so
              // statements differing only in it share one cached analysis; every output counts.
              out.forEach(c -> shaping.addAll(c.sources()));
            } else {
              shaping.addAll(byOutput(item, scope, out, true));
            }
          }
        }
      }
    }
    for (JsonNode item : s.path("sortClause")) {
      shaping.addAll(byOutput(item.path("SortBy").path("node"), scope, out, true));
    }
    shape(s.path("limitCount"), scope);
    shape(s.path("limitOffset"), scope);
    return out;
  }

  /** Outputs of a set operation: position by position, from both sides. */
  private static List<Col> combine(List<Col> left, List<Col> right) {
    boolean aligned = left.size() == right.size();
    for (int i = 0; aligned && i < left.size(); i++) {
      TableRef l = left.get(i).star();
      TableRef r = right.get(i).star();
      aligned = l == null ? r == null : l.equals(r) && l != SOME_COLUMNS;
    }
    if (!aligned) {
      // A star on one side: positions cannot be matched without the catalog.
      Set<ColumnOrigin> all = new LinkedHashSet<>();
      left.forEach(c -> all.addAll(c.sources()));
      right.forEach(c -> all.addAll(c.sources()));
      List<Col> out = new ArrayList<>();
      out.add(new Col(null, all, false, SOME_COLUMNS));
      return out;
    }
    List<Col> out = new ArrayList<>(left.size());
    for (int i = 0; i < left.size(); i++) {
      Col l = left.get(i);
      Col r = right.get(i);
      Set<ColumnOrigin> sources = new LinkedHashSet<>(l.sources());
      sources.addAll(r.sources());
      // A constant on one side carries nothing: the other side's value still passes unchanged.
      boolean direct =
          (l.direct() || l.sources().isEmpty()) && (r.direct() || r.sources().isEmpty());
      out.add(new Col(l.name(), sources, direct, l.star()));
    }
    return out;
  }

  private List<Col> values(JsonNode lists, Scope scope) {
    List<Set<ColumnOrigin>> columns = new ArrayList<>();
    for (JsonNode list : lists) {
      int i = 0;
      for (JsonNode item : list.path("List").path("items")) {
        if (columns.size() <= i) {
          columns.add(new LinkedHashSet<>());
        }
        columns.get(i).addAll(expr(item, scope));
        i++;
      }
    }
    List<Col> out = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      out.add(Col.computed("column" + (i + 1), columns.get(i)));
    }
    return out;
  }

  /**
   * What an ORDER BY, GROUP BY or DISTINCT ON item compares: an output by position ({@code ORDER BY
   * 2}) or by name (an output's alias), or an expression over the FROM list.
   */
  private Set<ColumnOrigin> byOutput(JsonNode item, Scope scope, List<Col> out, boolean names) {
    JsonNode position = item.path("A_Const").path("ival");
    if (item.has("A_Const") && position.has("ival")) {
      int k = position.path("ival").asInt();
      if (k >= 1 && k <= out.size() && noStars(out)) {
        return out.get(k - 1).sources();
      }
      Set<ColumnOrigin> all = new LinkedHashSet<>();
      out.forEach(c -> all.addAll(c.sources()));
      return all;
    }
    JsonNode fields = item.path("ColumnRef").path("fields");
    if (fields.size() == 1 && fields.get(0).has("String")) {
      String name = fields.get(0).path("String").path("sval").asText();
      Set<ColumnOrigin> sources = new LinkedHashSet<>();
      for (Col c : out) {
        if (name.equals(c.name())) {
          sources.addAll(c.sources());
        }
      }
      if (!sources.isEmpty()) {
        if (!names) {
          // GROUP BY prefers an input column of that name; both are counted.
          sources.addAll(resolveNames(fields, scope));
        }
        return sources;
      }
    }
    return expr(item, scope);
  }

  private static boolean noStars(List<Col> cols) {
    return cols.stream().allMatch(c -> c.star() == null);
  }

  /** The select list (or RETURNING list): each entry's lineage, stars expanded. */
  private List<Col> targets(JsonNode targets, Scope scope) {
    List<Col> out = new ArrayList<>();
    for (JsonNode item : targets) {
      JsonNode target = item.path("ResTarget");
      JsonNode val = target.path("val");
      JsonNode ref = val.path("ColumnRef");
      if (val.size() == 1 && ref.isObject()) {
        JsonNode fields = ref.path("fields");
        if (!fields.isEmpty() && fields.get(fields.size() - 1).has("A_Star")) {
          out.addAll(star(fields, scope));
          continue;
        }
        List<Col> found = resolve(fields, scope);
        Set<ColumnOrigin> sources = new LinkedHashSet<>();
        boolean direct = true;
        for (Col c : found) {
          sources.addAll(c.sources());
          direct &= c.direct();
        }
        out.add(new Col(name(target), sources, direct, null));
      } else {
        out.add(Col.computed(name(target), expr(val, scope)));
      }
    }
    return out;
  }

  /** {@code *} or {@code rel.*}: the columns of the relations meant. */
  private List<Col> star(JsonNode fields, Scope scope) {
    if (fields.size() == 1) {
      List<Col> out = new ArrayList<>();
      for (Rel rel : scope.rels) {
        out.addAll(rel.star());
      }
      return out;
    }
    Rel rel = relation(fields, fields.size() - 1, scope);
    if (rel == null) {
      return List.of(new Col(null, Set.of(ColumnOrigin.UNKNOWN), false, SOME_COLUMNS));
    }
    return rel.star();
  }

  // ---- FROM ----

  private void from(JsonNode item, Scope scope) {
    if (!item.isObject() || item.size() != 1) {
      return;
    }
    String type = item.fieldNames().next();
    JsonNode node = item.path(type);
    switch (type) {
      case "RangeVar" -> scope.rels.add(rangeVar(node, scope));
      case "RangeSubselect" -> {
        List<Col> cols = query(node.path("subquery"), scope);
        scope.rels.add(
            new Rel(alias(node, ""), null, List.of(), renamed(cols, node.path("alias")), null));
      }
      case "RangeFunction" -> {
        Set<ColumnOrigin> sources = expr(node.path("functions"), scope);
        List<String> names = new ArrayList<>(aliasNames(node.path("alias")));
        for (JsonNode def : node.path("coldeflist")) {
          names.add(def.path("ColumnDef").path("colname").asText());
        }
        String name = alias(node, functionName(node.path("functions")));
        List<Col> cols =
            names.isEmpty() ? null : names.stream().map(n -> Col.computed(n, sources)).toList();
        scope.rels.add(new Rel(name, null, List.of(), cols, sources));
      }
      case "JoinExpr" -> {
        int before = scope.rels.size();
        from(node.path("larg"), scope);
        from(node.path("rarg"), scope);
        List<Rel> joined = List.copyOf(scope.rels.subList(before, scope.rels.size()));
        shape(node.path("quals"), scope);
        for (JsonNode using : node.path("usingClause")) {
          String column = using.path("String").path("sval").asText();
          for (Rel rel : joined) {
            List<Col> found = new ArrayList<>();
            rel.lookup(column, found);
            found.forEach(c -> shaping.addAll(c.sources()));
          }
        }
        if (node.path("isNatural").asBoolean(false)) {
          // Which columns a natural join compares needs the catalog: all of them, then.
          joined.forEach(rel -> shaping.addAll(rel.all()));
        }
        if (node.has("alias")) {
          List<Col> cols = new ArrayList<>();
          joined.forEach(rel -> cols.addAll(rel.star()));
          scope.rels.add(
              new Rel(
                  node.path("alias").path("aliasname").asText(),
                  null,
                  List.of(),
                  renamed(cols, node.path("alias")),
                  null));
        }
      }
      case "RangeTableSample" -> {
        from(node.path("relation"), scope);
        shape(node.path("args"), scope);
      }
      default -> {
        // XMLTABLE, JSON_TABLE and the like: every column comes from everything in it.
        Set<ColumnOrigin> sources = expr(node, scope);
        scope.rels.add(new Rel(alias(node, ""), null, List.of(), null, sources));
      }
    }
  }

  private Rel rangeVar(JsonNode node, Scope scope) {
    String relname = node.path("relname").asText();
    String name = alias(node, relname);
    if (!node.has("schemaname")) {
      List<Col> cte = scope.cte(relname);
      if (cte != null) {
        return new Rel(name, null, List.of(), renamed(cte, node.path("alias")), null);
      }
    }
    TableRef table = new TableRef(node.path("schemaname").asText(null), relname);
    return new Rel(name, table, aliasNames(node.path("alias")), null, null);
  }

  private static String alias(JsonNode node, String otherwise) {
    return node.path("alias").path("aliasname").asText(otherwise);
  }

  private static List<String> aliasNames(JsonNode alias) {
    List<String> names = new ArrayList<>();
    for (JsonNode name : alias.path("colnames")) {
      names.add(name.path("String").path("sval").asText());
    }
    return names;
  }

  /** Columns renamed by an alias list ({@code AS s(a, b)}), position by position. */
  private static List<Col> renamed(List<Col> cols, JsonNode alias) {
    List<String> names = aliasNames(alias);
    if (names.isEmpty()) {
      return cols;
    }
    if (!noStars(cols)) {
      // Positions behind a star are the catalog's: each new name may be any of the columns.
      Set<ColumnOrigin> all = new LinkedHashSet<>();
      cols.forEach(c -> all.addAll(c.sources()));
      List<Col> out = new ArrayList<>(cols);
      names.forEach(n -> out.add(Col.computed(n, all)));
      return out;
    }
    List<Col> out = new ArrayList<>(cols.size());
    for (int i = 0; i < cols.size(); i++) {
      Col c = cols.get(i);
      out.add(i < names.size() ? new Col(names.get(i), c.sources(), c.direct(), null) : c);
    }
    return out;
  }

  private static String functionName(JsonNode functions) {
    for (JsonNode f : functions) {
      for (JsonNode item : f.path("List").path("items")) {
        JsonNode name = item.path("FuncCall").path("funcname");
        if (!name.isEmpty()) {
          return name.get(name.size() - 1).path("String").path("sval").asText("");
        }
      }
    }
    return "";
  }

  // ---- WITH ----

  private void with(JsonNode with, Scope scope) {
    boolean recursive = with.path("recursive").asBoolean(false);
    for (JsonNode item : with.path("ctes")) {
      JsonNode cte = item.path("CommonTableExpr");
      String name = cte.path("ctename").asText();
      JsonNode query = cte.path("ctequery");
      JsonNode aliases = cte.path("aliascolnames");
      JsonNode alias = aliases.isMissingNode() ? aliases : aliasNode(aliases);
      JsonNode select = query.path("SelectStmt");
      if (recursive && select.isObject() && !select.path("op").asText("").equals("SETOP_NONE")) {
        // The non-recursive term first, then the whole until the lineage stops growing.
        scope.ctes.put(name, renamed(select(select.path("larg"), scope), alias));
        for (int round = 0; round < 8; round++) {
          List<Col> before = scope.ctes.get(name);
          List<Col> after = combine(before, renamed(select(select, scope), alias));
          scope.ctes.put(name, after);
          if (after.equals(before)) {
            break;
          }
        }
      } else {
        scope.ctes.put(name, renamed(query(query, scope), alias));
      }
    }
  }

  private static JsonNode aliasNode(JsonNode colnames) {
    var node = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    node.set("colnames", colnames);
    return node;
  }

  // ---- Data modification ----

  private Scope target(JsonNode node, Scope outer) {
    Scope scope = new Scope(outer);
    with(node.path("withClause"), scope);
    JsonNode relation = node.path("relation");
    scope.rels.add(
        new Rel(
            alias(relation, relation.path("relname").asText()),
            ref(relation),
            List.of(),
            null,
            null));
    return scope;
  }

  private static TableRef ref(JsonNode rangeVar) {
    return new TableRef(
        rangeVar.path("schemaname").asText(null), rangeVar.path("relname").asText());
  }

  private List<Col> insert(JsonNode node, Scope outer) {
    Scope scope = target(node, outer);
    TableRef table = ref(node.path("relation"));
    List<String> columns = new ArrayList<>();
    for (JsonNode item : node.path("cols")) {
      columns.add(item.path("ResTarget").path("name").asText("*"));
    }
    JsonNode select = node.path("selectStmt").path("SelectStmt");
    if (select.has("valuesLists") && !select.has("withClause")) {
      // INSERT … VALUES: what each column is given (the target is not in scope for VALUES).
      Scope values = new Scope(outer);
      values.ctes.putAll(scope.ctes);
      for (JsonNode list : select.path("valuesLists")) {
        int i = 0;
        for (JsonNode value : list.path("List").path("items")) {
          writes.add(write(table, i < columns.size() ? columns.get(i) : "*", value));
          derived.addAll(expr(value, values));
          i++;
        }
      }
    } else if (select.isObject()) {
      Scope source = new Scope(outer);
      source.ctes.putAll(scope.ctes);
      derive(select(select, source));
      for (String column : columns.isEmpty() ? List.of("*") : columns) {
        writes.add(new ColumnWrite(table, column, null, 0));
      }
    }
    JsonNode conflict = node.path("onConflictClause");
    if (conflict.isObject()) {
      scope.rels.add(new Rel("excluded", table, List.of(), null, null));
      assignments(table, conflict.path("targetList"), scope);
      shape(conflict.path("whereClause"), scope);
    }
    return targets(node.path("returningList"), scope);
  }

  private void assignments(TableRef table, JsonNode targets, Scope scope) {
    for (JsonNode item : targets) {
      JsonNode target = item.path("ResTarget");
      writes.add(write(table, target.path("name").asText("*"), target.path("val")));
      derived.addAll(expr(target.path("val"), scope));
    }
  }

  private List<Col> update(JsonNode node, Scope outer) {
    Scope scope = target(node, outer);
    for (JsonNode item : node.path("fromClause")) {
      from(item, scope);
    }
    assignments(ref(node.path("relation")), node.path("targetList"), scope);
    shape(node.path("whereClause"), scope);
    return targets(node.path("returningList"), scope);
  }

  private List<Col> delete(JsonNode node, Scope outer) {
    Scope scope = target(node, outer);
    for (JsonNode item : node.path("usingClause")) {
      from(item, scope);
    }
    shape(node.path("whereClause"), scope);
    return targets(node.path("returningList"), scope);
  }

  private List<Col> merge(JsonNode node, Scope outer) {
    Scope scope = target(node, outer);
    TableRef table = ref(node.path("relation"));
    from(node.path("sourceRelation"), scope);
    shape(node.path("joinCondition"), scope);
    for (JsonNode item : node.path("mergeWhenClauses")) {
      JsonNode when = item.path("MergeWhenClause");
      shape(when.path("condition"), scope);
      if (when.path("commandType").asText("").equals("CMD_INSERT")) {
        List<String> columns = new ArrayList<>();
        for (JsonNode target : when.path("targetList")) {
          columns.add(target.path("ResTarget").path("name").asText("*"));
        }
        int i = 0;
        for (JsonNode value : when.path("values")) {
          writes.add(write(table, i < columns.size() ? columns.get(i) : "*", value));
          derived.addAll(expr(value, scope));
          i++;
        }
      } else {
        assignments(table, when.path("targetList"), scope);
      }
    }
    return List.of();
  }

  private List<Col> copy(JsonNode node, Scope outer) {
    if (node.path("is_from").asBoolean(false)) {
      // COPY … FROM: the rows it reads go into these columns (all of them, in table order, for *).
      TableRef table = ref(node.path("relation"));
      List<String> columns = new ArrayList<>();
      node.path("attlist").forEach(n -> columns.add(n.path("String").path("sval").asText()));
      for (String column : columns.isEmpty() ? List.of("*") : columns) {
        writes.add(new ColumnWrite(table, column, null, 0));
      }
      return List.of();
    }
    if (node.has("query")) {
      return query(node.path("query"), outer);
    }
    TableRef table = ref(node.path("relation"));
    List<Col> out = new ArrayList<>();
    for (JsonNode name : node.path("attlist")) {
      String column = name.path("String").path("sval").asText();
      out.add(new Col(column, Set.of(ColumnOrigin.of(table, column)), true, null));
    }
    return out.isEmpty() ? List.of(Col.star(table)) : out;
  }

  private static ColumnWrite write(TableRef table, String column, JsonNode value) {
    JsonNode v = value;
    while (v.has("TypeCast")) {
      v = v.path("TypeCast").path("arg");
    }
    if (v.has("A_Const") && v.path("A_Const").has("sval")) {
      return new ColumnWrite(
          table, column, v.path("A_Const").path("sval").path("sval").asText(""), 0);
    }
    if (v.has("ParamRef")) {
      return new ColumnWrite(table, column, null, v.path("ParamRef").path("number").asInt());
    }
    return new ColumnWrite(table, column, null, 0);
  }

  // ---- Expressions ----

  private void shape(JsonNode node, Scope scope) {
    if (!node.isMissingNode()) {
      shaping.addAll(expr(node, scope));
    }
  }

  private void window(JsonNode def, Scope scope) {
    shape(def.path("partitionClause"), scope);
    shape(def.path("orderClause"), scope);
  }

  private Set<ColumnOrigin> expr(JsonNode node, Scope scope) {
    Set<ColumnOrigin> out = new LinkedHashSet<>();
    expr(node, scope, out);
    return out;
  }

  /** Collects the origins of an expression's value, recording what shapes on the way. */
  private void expr(JsonNode node, Scope scope, Set<ColumnOrigin> out) {
    if (node.isArray()) {
      for (JsonNode item : node) {
        expr(item, scope, out);
      }
      return;
    }
    if (!node.isObject()) {
      return;
    }
    if (node.size() == 1) {
      String key = node.fieldNames().next();
      JsonNode inner = node.get(key);
      if (Character.isUpperCase(key.charAt(0)) && inner.isObject()) {
        typed(key, inner, scope, out);
        return;
      }
    }
    for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
      expr(it.next(), scope, out);
    }
  }

  private void typed(String type, JsonNode node, Scope scope, Set<ColumnOrigin> out) {
    switch (type) {
      case "ColumnRef" -> {
        JsonNode fields = node.path("fields");
        if (!fields.isEmpty() && fields.get(fields.size() - 1).has("A_Star")) {
          star(fields, scope).forEach(c -> out.addAll(c.sources()));
        } else {
          out.addAll(resolveNames(fields, scope));
        }
      }
      case "SubLink" -> {
        for (Col c : query(node.path("subselect"), scope)) {
          out.addAll(c.sources());
        }
        expr(node.path("testexpr"), scope, out);
      }
      case "FuncCall" -> {
        functionArguments(node, scope, out);
        shape(node.path("agg_order"), scope);
        shape(node.path("agg_filter"), scope);
        JsonNode over = node.path("over");
        if (over.isObject()) {
          window(over, scope);
        }
      }
      case "WindowDef" -> window(node, scope);
      case "CaseExpr" -> {
        // Which branch runs depends on the tested value and the conditions.
        sensitive(node.path("arg"), scope, out);
        for (JsonNode item : node.path("args")) {
          JsonNode when = item.path("CaseWhen");
          sensitive(when.path("expr"), scope, out);
          expr(when.path("result"), scope, out);
        }
        expr(node.path("defresult"), scope, out);
      }
      // Which argument is chosen (or evaluated at all) depends on the values.
      case "CoalesceExpr", "MinMaxExpr", "BoolExpr" -> sensitive(node.path("args"), scope, out);
      case "A_Expr" -> operator(node, scope, out);
      case "TypeCast" -> {
        if (textual(node.path("typeName"))) {
          expr(node.path("arg"), scope, out); // any value has a text form: the cast cannot fail
        } else {
          sensitive(node.path("arg"), scope, out);
        }
        expr(node.path("typeName"), scope, out);
      }
      case "XmlExpr", "XmlSerialize" -> sensitive(node, scope, out);
      default -> {
        if (QUERIES.contains(type)) {
          statement(type, node, scope).forEach(c -> out.addAll(c.sources()));
        } else {
          for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
            expr(it.next(), scope, out);
          }
        }
      }
    }
  }

  /** An expression whose value flows on and also decides an error, a delay or a branch. */
  private void sensitive(JsonNode node, Scope scope, Set<ColumnOrigin> out) {
    if (node.isMissingNode()) {
      return;
    }
    Set<ColumnOrigin> origins = expr(node, scope);
    sensitive.addAll(origins);
    out.addAll(origins);
  }

  /**
   * Operators that never raise an error for any value of their operands, and take time in
   * proportion to them: concatenation and comparisons. LIKE's pattern (it can be malformed) and
   * everything else — arithmetic (overflow, division by zero), regular expressions (a malformed
   * pattern, backtracking time), JSON and array operators — make their operands sensitive.
   */
  private static final Set<String> TOTAL_OPERATORS =
      Set.of("||", "=", "<>", "!=", "<", ">", "<=", ">=");

  private void operator(JsonNode node, Scope scope, Set<ColumnOrigin> out) {
    String kind = node.path("kind").asText("");
    JsonNode name = node.path("name");
    String op =
        name.isEmpty() ? "" : name.get(name.size() - 1).path("String").path("sval").asText();
    switch (kind) {
      case "AEXPR_OP", "AEXPR_OP_ANY", "AEXPR_OP_ALL" -> {
        if (TOTAL_OPERATORS.contains(op)) {
          expr(node.path("lexpr"), scope, out);
          expr(node.path("rexpr"), scope, out);
        } else {
          sensitive(node.path("lexpr"), scope, out);
          sensitive(node.path("rexpr"), scope, out);
        }
      }
      case "AEXPR_DISTINCT", "AEXPR_NOT_DISTINCT", "AEXPR_IN" -> {
        expr(node.path("lexpr"), scope, out);
        expr(node.path("rexpr"), scope, out);
      }
      case "AEXPR_LIKE", "AEXPR_ILIKE" -> {
        expr(node.path("lexpr"), scope, out);
        sensitive(node.path("rexpr"), scope, out);
      }
      default -> {
        // NULLIF chooses; SIMILAR TO is a regular expression; BETWEEN SYMMETRIC swaps.
        sensitive(node.path("lexpr"), scope, out);
        sensitive(node.path("rexpr"), scope, out);
      }
    }
  }

  /**
   * Functions that return a value for any value of the arguments listed (by position from 0; -1 for
   * all), in time proportional to them: masked values may flow through those arguments into a
   * (masked) result. Any other argument, and every argument of any other function (a cast in
   * disguise, arithmetic, a sleep, anything volatile or unknown), is sensitive.
   */
  private static final Map<String, Set<Integer>> TOTAL_FUNCTIONS = totalFunctions();

  private static Map<String, Set<Integer>> totalFunctions() {
    Map<String, Set<Integer>> f = new HashMap<>();
    Set<Integer> all = Set.of(-1);
    for (String name :
        List.of(
            "lower",
            "upper",
            "initcap",
            "reverse",
            "md5",
            "length",
            "char_length",
            "character_length",
            "octet_length",
            "bit_length",
            "concat",
            "concat_ws",
            "btrim",
            "ltrim",
            "rtrim",
            "replace",
            "translate",
            "quote_literal",
            "quote_nullable",
            "quote_ident",
            "textcat",
            "ascii",
            "strpos",
            "position",
            "starts_with",
            "left",
            "right",
            "to_json",
            "to_jsonb",
            "row_to_json",
            "json_build_object",
            "jsonb_build_object",
            "json_build_array",
            "jsonb_build_array",
            "json_agg",
            "jsonb_agg",
            "array_agg",
            "string_agg",
            "count",
            "min",
            "max")) {
      f.put(name, all);
    }
    // The string, not the positions, counts or formats (which can be negative, huge, malformed).
    for (String name : List.of("substr", "substring", "lpad", "rpad", "split_part")) {
      f.put(name, Set.of(0));
    }
    f.put("format", Set.of(1, 2, 3, 4, 5, 6, 7, 8, 9)); // arguments after the format string
    return Map.copyOf(f);
  }

  private void functionArguments(JsonNode node, Scope scope, Set<ColumnOrigin> out) {
    JsonNode funcname = node.path("funcname");
    String schema =
        funcname.size() == 2 ? funcname.get(0).path("String").path("sval").asText() : "";
    String name = funcname.get(funcname.size() - 1).path("String").path("sval").asText("");
    Set<Integer> total =
        schema.isEmpty() || schema.equals("pg_catalog")
            ? TOTAL_FUNCTIONS.getOrDefault(name, Set.of())
            : Set.of();
    int position = 0;
    for (JsonNode argument : node.path("args")) {
      if (total.contains(-1) || total.contains(position)) {
        expr(argument, scope, out);
      } else {
        sensitive(argument, scope, out);
      }
      position++;
    }
  }

  /** Casts to these types cannot fail: every value has a text form (varchar(n) truncates). */
  private static final Set<String> TEXT_TYPES =
      Set.of("text", "varchar", "bpchar", "char", "name", "character varying", "character");

  private static boolean textual(JsonNode typeName) {
    JsonNode names = typeName.path("names");
    return !names.isEmpty()
        && typeName.path("arrayBounds").isMissingNode()
        && TEXT_TYPES.contains(names.get(names.size() - 1).path("String").path("sval").asText());
  }

  /** Any other statement: the columns it mentions and the queries in it feed something opaque. */
  private void generic(JsonNode node, Scope scope) {
    derived.addAll(expr(node, scope));
  }

  // ---- Name resolution ----

  private Set<ColumnOrigin> resolveNames(JsonNode fields, Scope scope) {
    Set<ColumnOrigin> out = new LinkedHashSet<>();
    for (Col c : resolve(fields, scope)) {
      out.addAll(c.sources());
    }
    return out;
  }

  /** The columns a (non-star) column reference may be. */
  private List<Col> resolve(JsonNode fields, Scope scope) {
    List<String> names = new ArrayList<>(fields.size());
    for (JsonNode field : fields) {
      if (!field.has("String")) {
        return unknown();
      }
      names.add(field.path("String").path("sval").asText());
    }
    if (names.size() == 1) {
      return unqualified(names.getFirst(), scope);
    }
    String column = names.getLast();
    Rel rel = relation(fields, names.size() - 1, scope);
    if (rel != null) {
      List<Col> found = new ArrayList<>();
      boolean definite = rel.lookup(column, found);
      if (!definite && rel.table == null && rel.function == null && found.isEmpty()) {
        // No such column by the names Warden derived: any of the relation's (fail closed).
        return List.of(Col.computed(column, rel.all()));
      }
      return found;
    }
    if (names.size() == 2) {
      // col.field of a composite column: the field comes from the column.
      List<Col> composite = unqualified(names.getFirst(), scope);
      return composite.stream().map(c -> Col.computed(column, c.sources())).toList();
    }
    return unknown();
  }

  private static List<Col> unknown() {
    return List.of(Col.computed(null, Set.of(ColumnOrigin.UNKNOWN)));
  }

  /**
   * The relation a qualified reference names ({@code t.c}, {@code s.t.c}, {@code db.s.t.c}): the
   * nearest in scope.
   */
  private static Rel relation(JsonNode fields, int count, Scope scope) {
    String name = fields.get(count - 1).path("String").path("sval").asText();
    String schema = count >= 2 ? fields.get(count - 2).path("String").path("sval").asText() : null;
    for (Scope s = scope; s != null; s = s.outer) {
      for (Rel rel : s.rels) {
        if (rel.name().equals(name)
            && (schema == null
                || rel.table() == null
                || schema.equals(rel.table().schema())
                || rel.table().schema() == null)) {
          return rel;
        }
      }
    }
    return null;
  }

  /**
   * An unqualified name: a column of any relation of the nearest query level that certainly has it
   * (and of every level out to there, for the ones that may), or a whole row.
   */
  private List<Col> unqualified(String name, Scope scope) {
    List<Col> found = new ArrayList<>();
    for (Scope s = scope; s != null; s = s.outer) {
      boolean definite = false;
      for (Rel rel : s.rels) {
        definite |= rel.lookup(name, found);
        if (rel.name().equals(name)) {
          found.add(Col.computed(name, rel.all())); // a whole-row reference
          definite = true;
        }
      }
      if (definite) {
        break;
      }
    }
    return found.isEmpty() ? unknown() : found;
  }

  /** The name PostgreSQL gives a select-list entry without an alias (FigureColname). */
  private static String name(JsonNode target) {
    if (target.has("name")) {
      return target.path("name").asText();
    }
    String name = figure(target.path("val"));
    return name == null ? "?column?" : name;
  }

  private static String figure(JsonNode node) {
    if (!node.isObject() || node.size() != 1) {
      return null;
    }
    String type = node.fieldNames().next();
    JsonNode n = node.path(type);
    return switch (type) {
      case "ColumnRef" -> {
        JsonNode last = n.path("fields").get(n.path("fields").size() - 1);
        yield last != null && last.has("String") ? last.path("String").path("sval").asText() : null;
      }
      case "A_Indirection" -> {
        String field = null;
        for (JsonNode i : n.path("indirection")) {
          if (i.has("String")) {
            field = i.path("String").path("sval").asText();
          }
        }
        yield field != null ? field : figure(n.path("arg"));
      }
      case "FuncCall" -> {
        JsonNode f = n.path("funcname");
        yield f.get(f.size() - 1).path("String").path("sval").asText();
      }
      case "TypeCast" -> {
        String inner = figure(n.path("arg"));
        if (inner != null) {
          yield inner;
        }
        JsonNode t = n.path("typeName").path("names");
        yield t.isEmpty() ? null : t.get(t.size() - 1).path("String").path("sval").asText();
      }
      case "CollateClause" -> figure(n.path("arg"));
      case "SubLink" ->
          switch (n.path("subLinkType").asText("")) {
            case "EXISTS_SUBLINK" -> "exists";
            case "ARRAY_SUBLINK" -> "array";
            case "EXPR_SUBLINK" -> {
              JsonNode t = n.path("subselect").path("SelectStmt").path("targetList");
              yield t.isEmpty() ? null : name(t.get(0).path("ResTarget"));
            }
            default -> null;
          };
      case "CaseExpr" -> {
        String d = figure(n.path("defresult"));
        yield d != null ? d : "case";
      }
      case "A_ArrayExpr" -> "array";
      case "RowExpr" -> "row";
      case "CoalesceExpr" -> "coalesce";
      case "MinMaxExpr" -> n.path("op").asText("").equals("IS_GREATEST") ? "greatest" : "least";
      case "A_Expr" -> n.path("kind").asText("").equals("AEXPR_NULLIF") ? "nullif" : null;
      case "GroupingFunc" -> "grouping";
      default -> null;
    };
  }
}

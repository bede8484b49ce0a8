package kleinhirn.core.codec;

import static org.junit.jupiter.api.Assertions.*;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TomlTest {

    // ---- the configs we actually ship ----

    @Test
    void parsesTheNcExampleConfig() {
        var m = Toml.parse("""
                [log]
                output = "stderr"
                format = {format = "json"}
                level = "debug"

                [health_check]
                listen_addr = "127.0.0.1:3000"

                [supervisor]
                name = "nc-as-a-program"

                [worker]
                type = "program"
                cmdline = ["nc", "-vvvl", "127.0.0.1", "8000"]
                cwd = "/"
                env = {}
                """);
        assertEquals(Map.of(
                "log", Map.of("output", "stderr", "format", Map.of("format", "json"), "level", "debug"),
                "health_check", Map.of("listen_addr", "127.0.0.1:3000"),
                "supervisor", Map.of("name", "nc-as-a-program"),
                "worker", Map.of("type", "program", "cmdline", List.of("nc", "-vvvl", "127.0.0.1", "8000"),
                        "cwd", "/", "env", Map.of())), m);
        assertEquals(List.of("log", "health_check", "supervisor", "worker"), new ArrayList<>(m.keySet()));
        assertEquals(List.of("output", "format", "level"), new ArrayList<>(((Map<?, ?>) m.get("log")).keySet()));
        assertInstanceOf(LinkedHashMap.class, m.get("worker"));
    }

    @Test
    void parsesTheSleeperAgentConfig() {
        var m = Toml.parse("""
                [worker]
                count = 3
                type = "program"
                cmdline = ["bundle", "exec", "--gemfile", "gems/kleinhirn_loader/examples/sleeper_agent/Gemfile", "--keep-file-descriptors",
                           "ruby", "gems/kleinhirn_loader/examples/sleeper_agent/sleeper_agent.rb"]
                ack_workers = true
                ack_timeout = "400ms"
                env = {}
                #ack_timeout = "1s"
                """);
        assertEquals(Map.of("worker", Map.of(
                "count", 3L,
                "type", "program",
                "cmdline", List.of("bundle", "exec", "--gemfile", "gems/kleinhirn_loader/examples/sleeper_agent/Gemfile",
                        "--keep-file-descriptors", "ruby", "gems/kleinhirn_loader/examples/sleeper_agent/sleeper_agent.rb"),
                "ack_workers", true,
                "ack_timeout", "400ms",
                "env", Map.of())), m);
    }

    // ---- one test per feature ----

    @Test
    void emptyDocumentsAndComments() {
        assertEquals(Map.of(), Toml.parse(""));
        assertEquals(Map.of(), Toml.parse("\n  \t\n# only a comment\n   # indented\t"));
        assertEquals(Map.of("a", "# not a comment", "b", 1L), Toml.parse("a = \"# not a comment\" # a comment\nb=1#tight"));
        assertEquals(Map.of("a", 1L), Toml.parse("# comment with tab\t and unicode \u00e9 \uD83D\uDE00\na = 1"));
    }

    @Test
    void crlfLineEndingsAndByteOrderMark() {
        assertEquals(Map.of("a", 1L, "t", Map.of("b", "x\ny")), Toml.parse("\uFEFFa = 1 # c\r\n[t]\r\nb = \"\"\"\r\nx\r\ny\"\"\"\r\n"));
    }

    @Test
    void bareQuotedAndDottedKeys() {
        var m = Toml.parse("""
                bare_key-1 = 1
                1234 = 2
                "quoted key" = 3
                'literal "key"' = 4
                "" = 5
                "\\u00e9" = 6
                true = 7
                physical.color = "orange"
                physical . shape = "round"
                site."google.com" = true
                3.14159 = "pi"
                """);
        assertEquals(1L, m.get("bare_key-1"));
        assertEquals(2L, m.get("1234"));
        assertEquals(3L, m.get("quoted key"));
        assertEquals(4L, m.get("literal \"key\""));
        assertEquals(5L, m.get(""));
        assertEquals(6L, m.get("\u00e9"));
        assertEquals(7L, m.get("true"));
        assertEquals(Map.of("color", "orange", "shape", "round"), m.get("physical"));
        assertEquals(Map.of("google.com", true), m.get("site"));
        assertEquals(Map.of("14159", "pi"), m.get("3"));
    }

    @Test
    void basicStringEscapes() {
        var m = Toml.parse("""
                s = "tab\\tquote\\" backslash\\\\ b\\b f\\f n\\n r\\r"
                u = "\\u00e9 \\U0001F600 \\u0000"
                raw = "tab\tinside"
                """);
        assertEquals("tab\tquote\" backslash\\ b\b f\f n\n r\r", m.get("s"));
        assertEquals("\u00e9 \uD83D\uDE00 \u0000", m.get("u"));
        assertEquals("tab\tinside", m.get("raw"));
    }

    @Test
    void multiLineBasicStrings() {
        var m = Toml.parse("""
                a = \"\"\"
                Roses are red
                Violets are blue\"\"\"
                b = \"\"\"The quick brown \\


                  fox jumps over \\
                    the lazy dog.\"\"\"
                c = \"\"\"\\
                       trimmed \\  \t
                       too\\
                       \"\"\"
                d = \"\"\"Here are two quotation marks: "". Simple enough.\"\"\"
                e = \"\"\"\"This," she said, "is just a pointless statement.\"\"\"\"
                f = \"\"\"\"\"two inside\"\"\"\"\"
                g = \"\"\"escapes \\t \\u0041 \\\"\"\" still\"\"\"
                """);
        assertEquals("Roses are red\nViolets are blue", m.get("a"));
        assertEquals("The quick brown fox jumps over the lazy dog.", m.get("b"));
        assertEquals("trimmed too", m.get("c"));
        assertEquals("Here are two quotation marks: \"\". Simple enough.", m.get("d"));
        assertEquals("\"This,\" she said, \"is just a pointless statement.\"", m.get("e"));
        assertEquals("\"\"two inside\"\"", m.get("f"));
        assertEquals("escapes \t A \"\"\" still", m.get("g"));
    }

    @Test
    void literalStrings() {
        var m = Toml.parse("""
                winpath = 'C:\\Users\\nodejs\\templates'
                quoted = 'Tom "Dubs" Preston-Werner'
                regex = '<\\i\\c*\\s*>'
                empty = ''
                re = '''I [dw]on't need \\d{2} apples'''
                lines = '''
                The first newline is
                trimmed in raw strings.
                   All other whitespace
                   is preserved.
                '''
                quot15 = '''Here are fifteen quotation marks: \"""\"""\"""\"""\"""'''
                apos = ''''That,' she said, 'is still pointless.''''
                """);
        assertEquals("C:\\Users\\nodejs\\templates", m.get("winpath"));
        assertEquals("Tom \"Dubs\" Preston-Werner", m.get("quoted"));
        assertEquals("<\\i\\c*\\s*>", m.get("regex"));
        assertEquals("", m.get("empty"));
        assertEquals("I [dw]on't need \\d{2} apples", m.get("re"));
        assertEquals("The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n", m.get("lines"));
        assertEquals("Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"", m.get("quot15"));
        assertEquals("'That,' she said, 'is still pointless.'", m.get("apos"));
    }

    @Test
    void integers() {
        var m = Toml.parse("""
                a = +99
                b = 42
                c = 0
                d = -17
                e = 1_000
                f = 5_349_221
                g = 1_2_3_4_5
                h = 0xDEADBEEF
                i = 0xdead_beef
                j = 0o01234567
                k = 0o755
                l = 0b11010110
                m = 9223372036854775807
                n = -9223372036854775808
                o = +0
                p = -0
                q = 0x7FFFFFFFFFFFFFFF
                r = 0x00ff
                """);
        assertEquals(99L, m.get("a"));
        assertEquals(42L, m.get("b"));
        assertEquals(0L, m.get("c"));
        assertEquals(-17L, m.get("d"));
        assertEquals(1000L, m.get("e"));
        assertEquals(5349221L, m.get("f"));
        assertEquals(12345L, m.get("g"));
        assertEquals(0xDEADBEEFL, m.get("h"));
        assertEquals(0xDEADBEEFL, m.get("i"));
        assertEquals(01234567L, m.get("j"));
        assertEquals(0755L, m.get("k"));
        assertEquals(0b11010110L, m.get("l"));
        assertEquals(Long.MAX_VALUE, m.get("m"));
        assertEquals(Long.MIN_VALUE, m.get("n"));
        assertEquals(0L, m.get("o"));
        assertEquals(0L, m.get("p"));
        assertEquals(Long.MAX_VALUE, m.get("q"));
        assertEquals(255L, m.get("r"));
    }

    @Test
    void floats() {
        var m = Toml.parse("""
                a = +1.0
                b = 3.1415
                c = -0.01
                d = 5e+22
                e = 1e06
                f = -2E-2
                g = 6.626e-34
                h = 224_617.445_991_228
                i = 0.0
                j = -0.0
                k = 0e0
                l = 3e1_4
                m = inf
                n = +inf
                o = -inf
                p = nan
                q = +nan
                r = -nan
                s = 1.7976931348623157e308
                """);
        assertEquals(1.0, m.get("a"));
        assertEquals(3.1415, m.get("b"));
        assertEquals(-0.01, m.get("c"));
        assertEquals(5e22, m.get("d"));
        assertEquals(1e6, m.get("e"));
        assertEquals(-2e-2, m.get("f"));
        assertEquals(6.626e-34, m.get("g"));
        assertEquals(224617.445991228, m.get("h"));
        assertEquals(0.0, m.get("i"));
        assertEquals(-0.0, m.get("j"));
        assertEquals(0.0, m.get("k"));
        assertEquals(3e14, m.get("l"));
        assertEquals(Double.POSITIVE_INFINITY, m.get("m"));
        assertEquals(Double.POSITIVE_INFINITY, m.get("n"));
        assertEquals(Double.NEGATIVE_INFINITY, m.get("o"));
        assertTrue(((Double) m.get("p")).isNaN());
        assertTrue(((Double) m.get("q")).isNaN());
        assertTrue(((Double) m.get("r")).isNaN());
        assertEquals(Double.MAX_VALUE, m.get("s"));
    }

    @Test
    void booleans() {
        assertEquals(Map.of("t", true, "f", false), Toml.parse("t = true\nf = false"));
    }

    @Test
    void datesAndTimes() {
        var m = Toml.parse("""
                odt1 = 1979-05-27T07:32:00Z
                odt2 = 1979-05-27T00:32:00-07:00
                odt3 = 1979-05-27T00:32:00.999999+05:30
                odt4 = 1979-05-27 07:32:00z
                odt5 = 1979-05-27t07:32:00.1234567891Z
                ldt1 = 1979-05-27T07:32:00
                ldt2 = 1979-05-27 00:32:00.999999
                ld = 1979-05-27
                leap = 2000-02-29
                lt1 = 07:32:00
                lt2 = 00:32:00.999999
                lt3 = 23:59:59.5
                arr = [1979-05-27, 1979-05-27 07:32:00, 07:32:00]
                """);
        assertEquals(OffsetDateTime.of(1979, 5, 27, 7, 32, 0, 0, ZoneOffset.UTC), m.get("odt1"));
        assertEquals(OffsetDateTime.of(1979, 5, 27, 0, 32, 0, 0, ZoneOffset.ofHours(-7)), m.get("odt2"));
        assertEquals(OffsetDateTime.of(1979, 5, 27, 0, 32, 0, 999_999_000, ZoneOffset.ofHoursMinutes(5, 30)), m.get("odt3"));
        assertEquals(OffsetDateTime.of(1979, 5, 27, 7, 32, 0, 0, ZoneOffset.UTC), m.get("odt4"));
        assertEquals(OffsetDateTime.of(1979, 5, 27, 7, 32, 0, 123_456_789, ZoneOffset.UTC), m.get("odt5"), "truncated, not rounded");
        assertEquals(LocalDateTime.of(1979, 5, 27, 7, 32, 0), m.get("ldt1"));
        assertEquals(LocalDateTime.of(1979, 5, 27, 0, 32, 0, 999_999_000), m.get("ldt2"));
        assertEquals(LocalDate.of(1979, 5, 27), m.get("ld"));
        assertEquals(LocalDate.of(2000, 2, 29), m.get("leap"));
        assertEquals(LocalTime.of(7, 32), m.get("lt1"));
        assertEquals(LocalTime.of(0, 32, 0, 999_999_000), m.get("lt2"));
        assertEquals(LocalTime.of(23, 59, 59, 500_000_000), m.get("lt3"));
        assertEquals(List.of(LocalDate.of(1979, 5, 27), LocalDateTime.of(1979, 5, 27, 7, 32), LocalTime.of(7, 32)), m.get("arr"));
    }

    @Test
    void arrays() {
        var m = Toml.parse("""
                integers = [ 1, 2, 3 ]
                colors = [ "red", 'yellow', \"""green\""" ]
                nested = [ [ 1, 2 ], ["a", "b", "c"], [] ]
                mixed = [ 0.1, 2, "x", true, {a = 1} ]
                empty = [  ]
                multi = [
                  1, # one
                  # a whole comment line
                  2,
                ]
                trailing = [1,2,]
                """);
        assertEquals(List.of(1L, 2L, 3L), m.get("integers"));
        assertEquals(List.of("red", "yellow", "green"), m.get("colors"));
        assertEquals(List.of(List.of(1L, 2L), List.of("a", "b", "c"), List.of()), m.get("nested"));
        assertEquals(List.of(0.1, 2L, "x", true, Map.of("a", 1L)), m.get("mixed"));
        assertEquals(List.of(), m.get("empty"));
        assertEquals(List.of(1L, 2L), m.get("multi"));
        assertEquals(List.of(1L, 2L), m.get("trailing"));
    }

    @Test
    void inlineTables() {
        var m = Toml.parse("""
                name = { first = "Tom", last = "Preston-Werner" }
                point = {x=1,y=2}
                animal = { type.name = "pug", type.size = "small" }
                nested = { a = { b = { c = [1, {d = 2}] } } }
                empty = {}
                """);
        assertEquals(Map.of("first", "Tom", "last", "Preston-Werner"), m.get("name"));
        assertEquals(Map.of("x", 1L, "y", 2L), m.get("point"));
        assertEquals(Map.of("type", Map.of("name", "pug", "size", "small")), m.get("animal"));
        assertEquals(Map.of("a", Map.of("b", Map.of("c", List.of(1L, Map.of("d", 2L))))), m.get("nested"));
        assertEquals(Map.of(), m.get("empty"));
    }

    @Test
    void tablesAndImplicitSuperTables() {
        var m = Toml.parse("""
                top = 0
                [table-1]
                key1 = "some string"
                [ dog . "tater.man" ]
                type.name = "pug"
                [x.y.z.w]
                [x]
                defined = "after its child"
                [x.y.other]
                """);
        assertEquals(0L, m.get("top"));
        assertEquals(Map.of("key1", "some string"), m.get("table-1"));
        assertEquals(Map.of("tater.man", Map.of("type", Map.of("name", "pug"))), m.get("dog"));
        assertEquals(Map.of("y", Map.of("z", Map.of("w", Map.of()), "other", Map.of()), "defined", "after its child"), m.get("x"));
        assertEquals(List.of("top", "table-1", "dog", "x"), new ArrayList<>(m.keySet()));
    }

    @Test
    void dottedKeysAndTablesTogether() {
        var m = Toml.parse("""
                [fruit]
                apple.color = "red"
                apple.taste.sweet = true
                [fruit.apple.texture]
                smooth = true
                [a.b.c]
                [a]
                b.d = 1
                """);
        assertEquals(Map.of("apple", Map.of("color", "red", "taste", Map.of("sweet", true), "texture", Map.of("smooth", true))),
                m.get("fruit"));
        assertEquals(Map.of("b", Map.of("c", Map.of(), "d", 1L)), m.get("a"));
    }

    @Test
    void arraysOfTables() {
        var m = Toml.parse("""
                [[products]]
                name = "Hammer"
                sku = 738594937

                [[products]]  # empty table within the array

                [[products]]
                name = "Nail"
                color = "gray"

                [[fruits]]
                name = "apple"
                [fruits.physical]
                color = "red"
                [[fruits.varieties]]
                name = "red delicious"
                [[fruits.varieties]]
                name = "granny smith"
                [[fruits]]
                name = "banana"
                [[fruits.varieties]]
                name = "plantain"
                [fruits.physical]
                color = "yellow"

                [[a.b]]
                x = 1
                [a]
                y = 2
                """);
        assertEquals(List.of(Map.of("name", "Hammer", "sku", 738594937L), Map.of(), Map.of("name", "Nail", "color", "gray")),
                m.get("products"));
        assertEquals(List.of(
                Map.of("name", "apple", "physical", Map.of("color", "red"),
                        "varieties", List.of(Map.of("name", "red delicious"), Map.of("name", "granny smith"))),
                Map.of("name", "banana", "varieties", List.of(Map.of("name", "plantain")),
                        "physical", Map.of("color", "yellow"))), m.get("fruits"));
        assertEquals(Map.of("b", List.of(Map.of("x", 1L)), "y", 2L), m.get("a"));
    }

    @Test
    void errorsCarryLineAndColumn() {
        var e = assertThrows(TomlException.class, () -> Toml.parse("a = 1\n\nkey.b 1"));
        assertEquals(3, e.line());
        assertEquals(7, e.column());
        assertEquals("line 3, column 7: expected '=' after key, found '1'", e.getMessage());
        assertEquals("expected '=' after key, found '1'", e.reason());

        e = assertThrows(TomlException.class, () -> Toml.parse("a = 1\n\u00e9\u00e9 = \"\\q\""));
        assertEquals(2, e.line());
        assertEquals(1, e.column(), "\u00e9 is not a bare key character");
        e = assertThrows(TomlException.class, () -> Toml.parse("\"\uD83D\uDE00\" = \"\\q\""));
        assertEquals(1, e.line());
        assertEquals(8, e.column(), "columns count code points");
        e = assertThrows(TomlException.class, () -> Toml.parse("[a]\nb = 1\n\n[a]\n"));
        assertEquals("line 4, column 2: table [a] is defined twice", e.getMessage());
        e = assertThrows(TomlException.class, () -> Toml.parse("[t]\nx.y = 1\nx.y = 2"));
        assertEquals("line 3, column 3: duplicate key 'x.y'", e.getMessage());
    }

    @Test
    void mangledDocumentsOnlyEverThrowTomlException() {
        String seed = "[log]\noutput = \"stderr\"\nformat = {format = \"json\", x.y = [1, 2.5e3, 'l']}\n[[w.x]]\n"
                + "t = 1979-05-27T07:32:00.5+01:00\nd = 07:32:00\ns = \"\"\"a\\\n  b\\u00e9\"\"\"\nl = '''x\n'''\n"
                + "h = 0xff_ff\nn = -inf\n[w]\nq.r = true # c\n";
        String alphabet = "[]{}=.,\"'#\\\n\r\t abxe0123456789+-_:TZtfinu\u0000\u00e9";
        var random = new java.util.Random(42);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder b = new StringBuilder(seed);
            for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
                int p = random.nextInt(b.length());
                char ch = alphabet.charAt(random.nextInt(alphabet.length()));
                switch (random.nextInt(3)) {
                    case 0 -> b.setCharAt(p, ch);
                    case 1 -> b.insert(p, ch);
                    default -> b.deleteCharAt(p);
                }
            }
            String doc = b.toString();
            try {
                Toml.parse(doc);
            } catch (TomlException expected) {
                assertTrue(expected.line() >= 1 && expected.column() >= 1, doc);
            } catch (RuntimeException e) {
                fail("not a TomlException for " + doc, e);
            }
        }
    }

    @Test
    void refusesDeepNesting() {
        assertThrows(TomlException.class, () -> Toml.parse("a = " + "[".repeat(10_000)));
        assertThrows(TomlException.class, () -> Toml.parse("a = " + "{b=".repeat(10_000)));
        assertEquals(1, Toml.parse("a = " + "[".repeat(Toml.MAX_DEPTH) + "]".repeat(Toml.MAX_DEPTH)).size());
    }

    // ---- every invalid case: a TomlException on the right line ----

    static Stream<Arguments> invalidDocuments() {
        return Stream.of(
                // keys and the key/value line
                bad(1, "= 1"),
                bad(1, "a b = 1"),
                bad(1, "a. = 1"),
                bad(1, ".a = 1"),
                bad(1, "a..b = 1"),
                bad(1, "a"),
                bad(1, "a\n= 1"),
                bad(1, "a = "),
                bad(1, "a =\n1"),
                bad(1, "a = 1 b = 2"),
                bad(1, "\"\"\"a\"\"\" = 1"),
                bad(1, "'''a''' = 1"),
                bad(1, "\u00e9 = 1"),
                bad(1, "a = hello"),
                bad(2, "a = 1\na = 2"),
                bad(2, "a = 1\n\"a\" = 2"),
                bad(2, "a.b = 1\na.b.c = 2"),
                bad(2, "a.b.c = 1\na.b = 2"),
                bad(1, "a = 1 # comment\u0001"),
                bad(1, "# comment \u007f"),
                bad(1, "a = 1\r"),
                bad(2, "a = 1\r\nb = 2\rc = 3"),
                // table headers
                bad(1, "[]"),
                bad(1, "[a.]"),
                bad(1, "[.a]"),
                bad(1, "[a..b]"),
                bad(1, "[a"),
                bad(1, "[a\n]"),
                bad(1, "[[a]"),
                bad(1, "[[a] ]"),
                bad(1, "[ [a]]"),
                bad(1, "[a] b = 1"),
                bad(1, "[a]]"),
                bad(1, "[\"\"\"a\"\"\"]"),
                // redefinitions
                bad(3, "[a]\nb = 1\n[a]"),
                bad(3, "[a.b]\n[a]\n[a.b]"),
                bad(2, "a = 1\n[a]"),
                bad(2, "a = 1\n[a.b]"),
                bad(3, "[a]\nb = 1\n[a.b]"),
                bad(3, "[a.b]\n[a]\nb = 1"),
                bad(2, "a = {b = 1}\na.c = 2"),
                bad(2, "a = {b = 1}\n[a]"),
                bad(2, "a = {b = 1}\n[a.c]"),
                bad(2, "a = {b = {}}\n[a.b.c]"),
                bad(2, "a = [1]\n[[a]]"),
                bad(2, "a = []\n[a.b]"),
                bad(2, "a = [{b = 1}]\n[a.c]"),
                bad(2, "[a]\n[[a]]"),
                bad(2, "[[a]]\n[a]"),
                bad(3, "[fruit]\napple.color = 'red'\n[fruit.apple]"),
                bad(3, "[fruit]\napple.taste.sweet = true\n[fruit.apple.taste]"),
                bad(4, "[a.b.c]\nz = 9\n[a]\nb.c.t = 1"),
                bad(4, "[a.b.c.d]\nz = 9\n[a]\nb.c.d.k.t = 1"),
                bad(3, "[[a.b]]\n[a]\nb.y = 2"),
                bad(4, "[a.b.c]\n[a]\nb.d = 1\n[a.b]"),
                bad(2, "a.b = 1\n[a]"),
                bad(3, "[[a]]\nb.c = 1\n[a.b]"),
                bad(2, "b = [1]\n[b.c]"),
                // inline tables
                bad(1, "a = {b = 1,}"),
                bad(1, "a = {b = 1 c = 2}"),
                bad(1, "a = {,}"),
                bad(1, "a = {b = 1\n}"),
                bad(1, "a = {\nb = 1}"),
                bad(1, "a = {b = 1"),
                bad(1, "a = {b = 1, b = 2}"),
                bad(1, "a = {b.c = 1, b = 2}"),
                bad(1, "a = {b = {c = 1}, b.d = 2}"),
                bad(1, "a = {b = 1, b.c = 2}"),
                bad(1, "a = {b = 1 # comment\n}"),
                bad(2, "x = 1\na = {b=1}}"),
                // arrays
                bad(1, "a = [1 2]"),
                bad(1, "a = [1,,2]"),
                bad(1, "a = [,]"),
                bad(1, "a = [1"),
                bad(1, "a = [\n1,\n2"),
                bad(3, "a = [\n1,\n2 3]"),
                bad(1, "a = [1]]"),
                // strings
                bad(1, "a = \"abc"),
                bad(1, "a = \"a\nb\""),
                bad(1, "a = 'a\nb'"),
                bad(1, "a = 'abc"),
                bad(1, "a = \"\\x41\""),
                bad(1, "a = \"\\e\""),
                bad(1, "a = \"\\ \""),
                bad(1, "a = \"\\\""),
                bad(1, "a = \"\\u00\""),
                bad(1, "a = \"\\u00G0\""),
                bad(1, "a = \"\\uD800\""),
                bad(1, "a = \"\\uDFFF\""),
                bad(1, "a = \"\\U00110000\""),
                bad(1, "a = \"\\UFFFFFFFF\""),
                bad(1, "a = \"a\u0001\""),
                bad(1, "a = \"a\u007f\""),
                bad(1, "a = \"a\u001b\""),
                bad(1, "a = 'a\u0000'"),
                bad(1, "a = 'a\u007f'"),
                bad(2, "a = '''\na\u0007'''"),
                bad(2, "a = \"\"\"\na\u0008\"\"\""),
                bad(1, "a = \"\"\"a\\ b\"\"\""),
                bad(2, "a = \"\"\"\nx\\q\"\"\""),
                bad(1, "a = \"\"\"abc\n\n"),
                bad(1, "a = '''abc"),
                bad(1, "a = \"\"\"6 quotes: \"\"\"\"\"\""),
                bad(1, "a = '''x''''''"),
                bad(1, "a = \"\"\"a\rb\"\"\""),
                bad(1, "a = '''a\rb'''"),
                bad(1, "a = \"a\"b\""),
                // integers
                bad(1, "a = 01"),
                bad(1, "a = -01"),
                bad(1, "a = 0_1"),
                bad(1, "a = 00"),
                bad(1, "a = +0x1"),
                bad(1, "a = -0b1"),
                bad(1, "a = 0x"),
                bad(1, "a = 0xg"),
                bad(1, "a = 0X1F"),
                bad(1, "a = 0b2"),
                bad(1, "a = 0o8"),
                bad(1, "a = 0x_1"),
                bad(1, "a = 0x1_"),
                bad(1, "a = 1_"),
                bad(1, "a = _1"),
                bad(1, "a = 1__2"),
                bad(1, "a = +"),
                bad(1, "a = ++1"),
                bad(1, "a = 1-2"),
                bad(1, "a = 9223372036854775808"),
                bad(1, "a = -9223372036854775809"),
                bad(1, "a = 0x8000000000000000"),
                bad(1, "a = 0b" + "1".repeat(64)),
                // floats
                bad(1, "a = 1."),
                bad(1, "a = .1"),
                bad(1, "a = -.1"),
                bad(1, "a = 1.e5"),
                bad(1, "a = 1e"),
                bad(1, "a = 1e+"),
                bad(1, "a = 1e_5"),
                bad(1, "a = 1e5_"),
                bad(1, "a = 1_.0"),
                bad(1, "a = 1._0"),
                bad(1, "a = 03.14"),
                bad(1, "a = -03.14"),
                bad(1, "a = 1.2.3"),
                bad(1, "a = 1e5.0"),
                bad(1, "a = 1e400"),
                bad(1, "a = infinity"),
                bad(1, "a = Inf"),
                bad(1, "a = NaN"),
                bad(1, "a = +inf.0"),
                bad(1, "a = inf_"),
                bad(1, "a = 1f"),
                // booleans
                bad(1, "a = True"),
                bad(1, "a = tru"),
                bad(1, "a = truefalse"),
                bad(1, "a = f"),
                // dates and times
                bad(1, "a = 1979-13-01"),
                bad(1, "a = 1979-00-01"),
                bad(1, "a = 1979-02-30"),
                bad(1, "a = 2021-02-29"),
                bad(1, "a = 1900-02-29"),
                bad(1, "a = 1979-04-31"),
                bad(1, "a = 1979-05-00"),
                bad(1, "a = 1979-5-27"),
                bad(1, "a = 1979-05-7"),
                bad(1, "a = 1979-05-27T"),
                bad(1, "a = 1979-05-27T7:32:00"),
                bad(1, "a = 1979-05-27T07:32"),
                bad(1, "a = 1979-05-27T24:00:00"),
                bad(1, "a = 1979-05-27T07:60:00"),
                bad(1, "a = 1979-05-27T07:32:61"),
                bad(1, "a = 1979-05-27T23:59:60Z"),
                bad(1, "a = 1979-05-27T07:32:00."),
                bad(1, "a = 1979-05-27T07:32:00+7:00"),
                bad(1, "a = 1979-05-27T07:32:00+07"),
                bad(1, "a = 1979-05-27T07:32:00+0700"),
                bad(1, "a = 1979-05-27T07:32:00+24:00"),
                bad(1, "a = 1979-05-27T07:32:00+07:60"),
                bad(1, "a = 1979-05-27T07:32:00Zx"),
                bad(1, "a = 1979-05-27 07:32"),
                bad(1, "a = 1979-05-27_07:32:00"),
                bad(1, "a = 07:32"),
                bad(1, "a = 07:32:00Z"),
                bad(1, "a = 7:32:00"),
                bad(1, "a = 25:00:00"),
                bad(1, "a = 12:30:00."),
                bad(3, "tbl = { fruit = { apple.color = 'red' } }\n\ntbl.fruit.apple.texture = 1"),
                bad(1, "tbl = { fruit = { apple.color = 'red' }, fruit.apple.texture = { smooth = true } }"),
                bad(3, "[fruit]\napple.color = 'red'\n[[fruit.apple]]"),
                bad(5, "[[albums.songs]]\nname = 'x'\n\n\n[[albums]]"),
                bad(4, "[[parent-table.arr]]\n[parent-table]\nnot-arr = 1\narr = 2"),
                bad(2, "a = true\n[[a]]"),
                bad(3, "[[fruit]]\n[[fruit.variety]]\n[fruit.variety]"),
                bad(2, "inline-t = { nest = {} }\n[[inline-t.nest]]"),
                bad(1, "[key#group]"),
                bad(1, "[name=bad]"),
                bad(1, "[a[b]"),
                bad(1, "[\"where will it end]"),
                bad(1, "partial\"quoted\" = 5"),
                bad(1, "a# = 1"),
                bad(1, "key= = 1"),
                bad(1, "bare!key = 1"),
                bad(1, "a = \"\\/\""),
                bad(1, "a = 1ee2"),
                bad(1, "a = 0..1"),
                bad(1, "a = -1."),
                bad(1, "a = in"),
                bad(1, "a = na_n"),
                bad(1, "a = --99"),
                bad(1, "a = 0B1"),
                bad(1, "a = 0O7"),
                bad(1, "a = 0xaafz"),
                bad(1, "a = falsify"),
                bad(1, "a = \"x\" \u0000"),
                bad(1, "# comment \r"),
                bad(2, "a = \"\"\"\n  foo \\ \\\n  bar\"\"\""),
                bad(1, "x = [{ key = 42 #")
        );
    }

    private static Arguments bad(int line, String doc) { return Arguments.of(line, doc); }

    @ParameterizedTest(name = "[{index}] line {0}: {1}")
    @MethodSource("invalidDocuments")
    void rejectsInvalidDocument(int line, String doc) {
        var e = assertThrows(TomlException.class, () -> Toml.parse(doc));
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.column() >= 1, e.getMessage());
        assertTrue(e.getMessage().startsWith("line " + line + ", column " + e.column() + ": "), e.getMessage());
    }

    // ---- broader valid conformance, compared through the JSON writer ----

    static Stream<Arguments> validDocuments() {
        return Stream.of(
                good("a=1", "{`a`:1}"),
                good("\ta\t=\t1\t", "{`a`:1}"),
                good("a = -0.0", "{`a`:-0.0}"),
                good("a.b.c = 1\na.b.d = 2\na.e = 3", "{`a`:{`b`:{`c`:1,`d`:2},`e`:3}}"),
                good("[a]\nb.c = 1\n[a.b.d]\ne = 2", "{`a`:{`b`:{`c`:1,`d`:{`e`:2}}}}"),
                good("[[a]]\nb.c = 1\n[[a]]\nb.c = 2", "{`a`:[{`b`:{`c`:1}},{`b`:{`c`:2}}]}"),
                good("[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2", "{`a`:[{`b`:{`x`:1}},{`b`:{`x`:2}}]}"),
                good("[[a]]\n[[a.b]]\n[a.b.c]\nd = 1", "{`a`:[{`b`:[{`c`:{`d`:1}}]}]}"),
                good("[\"a.b\".'c']\nd = 1", "{`a.b`:{`c`:{`d`:1}}}"),
                good("[a]\n[b]\n[a.c]", "{`a`:{`c`:{}},`b`:{}}"),
                good("a = [[1], [[2], 3]]", "{`a`:[[1],[[2],3]]}"),
                good("a = [\n\n]", "{`a`:[]}"),
                good("a = [ # c\n 1 # c\n , # c\n 2 # c\n ] # c", "{`a`:[1,2]}"),
                good("a = { b = [\n1,\n2] }", "{`a`:{`b`:[1,2]}}"),
                good("a = {b = \"\"\"x\ny\"\"\"}", "{`a`:{`b`:`x\\ny`}}"),
                good("a = {\tb\t=\t1\t}", "{`a`:{`b`:1}}"),
                good("a = \"\"\"\"\"\"", "{`a`:``}"),
                good("a = ''''''", "{`a`:``}"),
                good("a = \"\"\"\n\"\"\"", "{`a`:``}"),
                good("a = \"\"\"a\\\n\"\"\"", "{`a`:`a`}"),
                good("a = \"\"\"a\\\r\n   b\"\"\"", "{`a`:`ab`}"),
                good("a = \"\\\"\\\\\"", "{`a`:`\\`\\\\`}"),
                good("a = 1 \n b = 2", "{`a`:1,`b`:2}"),
                good("\"a\" = 1\n'b' = 2\n\"a.b\".c = 3", "{`a`:1,`b`:2,`a.b`:{`c`:3}}"),
                good("a = +inf\nb = -inf", "{`a`:Infinity,`b`:-Infinity}"),
                good("a = 1e-5\nb = 1E5\nc = 1e+005", "{`a`:1.0E-5,`b`:100000.0,`c`:100000.0}"),
                good("a = 4.9e-324", "{`a`:4.9E-324}"),
                good("a = 0o777_777", "{`a`:262143}"),
                good("a = 0b1_0", "{`a`:2}"),
                good("[a] # c\n[ b ] \t# c\n[[ c ]]", "{`a`:{},`b`:{},`c`:[{}]}"),
                good("a = true#c\nb = false", "{`a`:true,`b`:false}"),
                good("x = 1979-05-27 # date only", "{`x`:`1979-05-27`}"),
                good("x = 1979-05-27T07:32:00.5-00:00", "{`x`:`1979-05-27T07:32:00.500Z`}"),
                good("x = 0000-01-01T00:00:00", "{`x`:`0000-01-01T00:00`}"),
                good("x = 1979-05-27T07:32:00+18:00", "{`x`:`1979-05-27T07:32+18:00`}"),
                good("a = 'a\tb'", "{`a`:`a\\tb`}"),
                good("a = \"a\\u0000\"", "{`a`:`a\\u0000`}")
        );
    }

    private static Arguments good(String doc, String json) { return Arguments.of(doc, json.replace('`', '"')); }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("validDocuments")
    void parsesValidDocument(String doc, String json) {
        assertEquals(json, Json.write(Toml.parse(doc)));
    }

    @Test
    void commentsInTrickyPlaces() {
        var m = Toml.parse("""
                [section]#attached
                #[notsection]
                one = "11"#c
                two = "22#"
                three = '#'
                four = \"""# not
                # a comment\"""#is one
                five = 5.5#66
                six = 6#7
                ten = 10e2#1
                ["hash#tag"]
                "#!" = "bang"
                arr = [ 1,# 9, 9,
                2#,9
                ,#9
                3#]
                ,4]
                nested = [[[[#["#"],
                ["#"]]]]#]
                ]
                tbl = { "#" = '}#'}#}}
                """);
        assertEquals(Map.of("one", "11", "two", "22#", "three", "#", "four", "# not\n# a comment", "five", 5.5, "six", 6L,
                "ten", 1000.0), m.get("section"));
        assertEquals(Map.of("#!", "bang", "arr", List.of(1L, 2L, 3L, 4L),
                "nested", List.of(List.of(List.of(List.of(List.of("#"))))),
                "tbl", Map.of("#", "}#")), m.get("hash#tag"));
    }

    @Test
    void dottedKeysInsideInlineTablesAndEmptyKeys() {
        var m = Toml.parse("""
                many.dots.here = {a.b.c = 1, a.b.d = 2}
                c = {   a   .   b  =  1   }
                d = { 'a' . "b" = 1 }
                ''.x = "empty.x"
                x."" = "x.empty"
                [tbl]
                a.b.c = {d.e = 1}
                [tbl.x]
                a.b.c = {d.e = 1}
                [[arr]]
                t = {a.b = 1}
                [[arr]]
                t = {a.b = 2}
                """);
        assertEquals(Map.of("dots", Map.of("here", Map.of("a", Map.of("b", Map.of("c", 1L, "d", 2L))))), m.get("many"));
        assertEquals(Map.of("a", Map.of("b", 1L)), m.get("c"));
        assertEquals(Map.of("a", Map.of("b", 1L)), m.get("d"));
        assertEquals(Map.of("x", "empty.x"), m.get(""));
        assertEquals(Map.of("", "x.empty"), m.get("x"));
        var deep = Map.of("b", Map.of("c", Map.of("d", Map.of("e", 1L))));
        assertEquals(Map.of("a", deep, "x", Map.of("a", deep)), m.get("tbl"));
        assertEquals(List.of(Map.of("t", Map.of("a", Map.of("b", 1L))), Map.of("t", Map.of("a", Map.of("b", 2L)))), m.get("arr"));
    }

    @Test
    void trickyEscapesAndQuotes() {
        var m = Toml.parse("""
                end_esc = "String does not end here\\" but ends here\\\\"
                lit_end_esc = 'String ends here\\'
                ml_unicode = \"\"\"\\u00a0\"\"\"
                ml_not_unicode = \"\"\"\\\\u0041\"\"\"
                ml_end_esc = \"\"\"When will it end? \\\"\"\"...\"\"\\\" should be here\\\"\"\"\"
                mismatch = \"\"\"aaa'''bbb\"\"\"
                one_space = \"\"\" \"\"one quote\"\" \"\"\"
                """);
        assertEquals("String does not end here\" but ends here\\", m.get("end_esc"));
        assertEquals("String ends here\\", m.get("lit_end_esc"));
        assertEquals("\u00a0", m.get("ml_unicode"));
        assertEquals("\\u0041", m.get("ml_not_unicode"));
        assertEquals("When will it end? \"\"\"...\"\"\" should be here\"", m.get("ml_end_esc"));
        assertEquals("aaa'''bbb", m.get("mismatch"));
        assertEquals(" \"\"one quote\"\" ", m.get("one_space"));
    }

    @Test
    void arrayOfTablesUnderDottedAndImplicitTables() {
        var m = Toml.parse("""
                [fruit]
                apple.color = "red"
                [[fruit.apple.seeds]]
                size = 2
                [[parent.arr]]
                [[parent.arr]]
                [parent]
                not-arr = 1
                """);
        assertEquals(Map.of("apple", Map.of("color", "red", "seeds", List.of(Map.of("size", 2L)))), m.get("fruit"));
        assertEquals(Map.of("arr", List.of(Map.of(), Map.of()), "not-arr", 1L), m.get("parent"));
    }

    @Test
    void inlineTablesAndStaticArraysStayOutOfLaterTables() {
        var m = Toml.parse("a = {b = 1}\nc = [{d = 2}]\n[e]\nf = 3");
        assertEquals(Map.of("a", Map.of("b", 1L), "c", List.of(Map.of("d", 2L)), "e", Map.of("f", 3L)), m);
    }
}

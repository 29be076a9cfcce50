package scimfilter

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The test catalog: a user with a core schema and an enterprise-like extension.
const (
	slotUserName = iota
	slotDisplayName
	slotActive
	slotEmails
	slotName
	slotMeta
	slotExternalID
	slotID
	slotDepartment
	slotManager
	slotLogins
)

const (
	testCore       = "urn:ietf:params:scim:schemas:core:2.0:User"
	testEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

func testCatalog() *Catalog {
	return NewCatalog(Schema{URN: testCore, Attributes: []Attribute{
		{Name: "userName", Type: TypeString, Slot: slotUserName},
		{Name: "displayName", Type: TypeString, Slot: slotDisplayName},
		{Name: "active", Type: TypeBoolean, Slot: slotActive},
		{Name: "emails", Type: TypeComplex, MultiValued: true, Slot: slotEmails, Sub: []Attribute{
			{Name: "value", Type: TypeString}, {Name: "type", Type: TypeString}, {Name: "primary", Type: TypeBoolean},
		}},
		{Name: "name", Type: TypeComplex, Slot: slotName, Sub: []Attribute{
			{Name: "givenName", Type: TypeString}, {Name: "familyName", Type: TypeString},
		}},
		{Name: "meta", Type: TypeComplex, Slot: slotMeta, Sub: []Attribute{
			{Name: "created", Type: TypeDateTime}, {Name: "lastModified", Type: TypeDateTime},
		}},
		{Name: "externalId", Type: TypeString, CaseExact: true, Slot: slotExternalID},
		{Name: "id", Type: TypeString, CaseExact: true, Slot: slotID},
		{Name: "logins", Type: TypeInteger, Slot: slotLogins},
	}}, Schema{URN: testEnterprise, Attributes: []Attribute{
		{Name: "department", Type: TypeString, Slot: slotDepartment},
		{Name: "manager", Type: TypeComplex, Slot: slotManager, Sub: []Attribute{{Name: "value", Type: TypeString}}},
	}})
}

// res is a test resource: by slot, its values, each a map from sub-attribute (-1: the value itself).
type res map[int][]map[int]Value

func (r res) Count(slot int) int { return len(r[slot]) }
func (r res) Value(slot, i, sub int) Value {
	vals := r[slot]
	if i < 0 || i >= len(vals) {
		return Value{}
	}
	return vals[i][sub]
}

func str(s string) Value { return Value{Kind: KindString, Str: s} }
func boolean(b bool) Value {
	return Value{Kind: KindBool, Bool: b}
}
func at(s string) Value {
	t, _ := time.Parse(time.RFC3339, s)
	return Value{Kind: KindTime, Time: t.UnixNano()}
}
func simple(v Value) []map[int]Value { return []map[int]Value{{-1: v}} }

// barbara is a resource most evaluation cases run against.
var barbara = res{
	slotUserName:    simple(str("bjensen@example.com")),
	slotDisplayName: simple(str("Babs Jensen")),
	slotActive:      simple(boolean(true)),
	slotEmails: {
		{0: str("bjensen@example.com"), 1: str("work"), 2: boolean(true)},
		{0: str("babs@jensen.org"), 1: str("home")},
	},
	slotName:       {{0: str("Barbara"), 1: str("Jensen")}},
	slotMeta:       {{0: at("2025-01-10T08:00:00Z"), 1: at("2025-03-01T12:30:00Z")}},
	slotExternalID: simple(str("E-42")),
	slotID:         simple(str("21000000042")),
	slotDepartment: simple(str("Tour Operations")),
	slotManager:    {{0: str("21000000007")}},
	slotLogins:     simple(Value{Kind: KindNumber, Num: 12}),
}

// TestParseGrammar is the grammar of RFC 7644 §3.4.2.2, with Entra's value-path form: each filter
// reads as the canonical text given (the tree written back), or fails naming the part.
func TestParseGrammar(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// Every operator, in any case, with every kind of value.
		{`userName eq "bjensen"`, `userName eq "bjensen"`},
		{`userName Eq "bjensen"`, `userName eq "bjensen"`},
		{`title pr`, `title pr`},
		{`title PR`, `title pr`},
		{`name.familyName co "O'Malley"`, `name.familyName co "O'Malley"`},
		{`userName sw "J"`, `userName sw "J"`},
		{`userName ew "@example.com"`, `userName ew "@example.com"`},
		{`userName ne "x"`, `userName ne "x"`},
		{`meta.lastModified gt "2011-05-13T04:42:34Z"`, `meta.lastModified gt "2011-05-13T04:42:34Z"`},
		{`meta.lastModified ge "2011-05-13T04:42:34Z"`, `meta.lastModified ge "2011-05-13T04:42:34Z"`},
		{`meta.lastModified lt "2011-05-13T04:42:34Z"`, `meta.lastModified lt "2011-05-13T04:42:34Z"`},
		{`meta.lastModified le "2011-05-13T04:42:34Z"`, `meta.lastModified le "2011-05-13T04:42:34Z"`},
		{`active eq true`, `active eq true`},
		{`active eq FALSE`, `active eq false`},
		{`manager eq null`, `manager eq null`},
		{`logins gt 10`, `logins gt 10`},
		{`logins ge -1.5e3`, `logins ge -1.5e3`},
		{`id eq 21000000042`, `id eq 21000000042`},
		// Escapes in strings are decoded, and written back escaped.
		{`displayName eq "a \"quoted\" \\ name\u00e9"`, `displayName eq "a \"quoted\" \\ nameé"`},
		{`displayName eq "tab\there"`, `displayName eq "tab\u0009here"`},
		{`displayName eq "😀 \ud83d\ude00"`, `displayName eq "😀 😀"`},
		{`displayName eq ""`, `displayName eq ""`},
		// URN-qualified paths; a URN has colons and dots.
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, `urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "7"`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "7"`},
		// Logic: and binds tighter than or; parentheses and not.
		{`a eq "1" or b eq "2" and c eq "3"`, `a eq "1" or (b eq "2" and c eq "3")`},
		{`(a eq "1" or b eq "2") and c eq "3"`, `(a eq "1" or b eq "2") and c eq "3"`},
		{`a eq "1" and b eq "2" and c eq "3"`, `a eq "1" and b eq "2" and c eq "3"`},
		{`a eq "1" AND (b eq "2" And c eq "3")`, `a eq "1" and b eq "2" and c eq "3"`},
		{`not (a eq "1")`, `not (a eq "1")`},
		{`NOT(a eq "1")`, `not (a eq "1")`},
		{`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
			`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`},
		{`((((a pr))))`, `a pr`},
		// Value paths, and Entra's form with a sub-attribute after the brackets.
		{`emails[type eq "work" and value co "@example.com"]`, `emails[type eq "work" and value co "@example.com"]`},
		{`emails[type eq "work"].value eq "x@example.com"`, `emails[type eq "work" and value eq "x@example.com"]`},
		{`emails[type eq "work" or type eq "home"].value eq "x"`, `emails[(type eq "work" or type eq "home") and value eq "x"]`},
		{`emails[not (type eq "work")]`, `emails[not (type eq "work")]`},
		{`emails[type eq "work"] and userName pr`, `emails[type eq "work"] and userName pr`},
		{`addresses[type eq "work"].formatted eq "Main St ]["`, `addresses[type eq "work" and formatted eq "Main St ]["]`},
		{`members[value eq "2"]`, `members[value eq "2"]`},
		{`members.$ref pr`, `members.$ref pr`},
		// White space: runs of spaces, tabs, around the whole filter.
		{"  userName   eq\t\"x\"  ", `userName eq "x"`},

		// Errors name the part.
		{`userName eq`, `error: «userName»: a value must follow the operator`},
		{`userName`, `error: «userName»: an operator must follow the attribute`},
		{`userName xx "a"`, `error: «xx»: is not an operator (eq ne co sw ew gt ge lt le pr)`},
		{`userName eq bjensen`, `error: «bjensen»: values must be quoted strings, numbers, true, false or null`},
		{`userName eq "open`, `error: «"open»: the string is not closed`},
		{`userName eq "bad \q"`, `error: «"bad»: \q is not a JSON escape`},
		{`userName eq "a"b`, `error: «"a"b»: unexpected text right after the value`},
		{`(userName eq "a"`, `error: «(userName»: the parenthesis opened here is not closed`},
		{`userName eq "a")`, `error: «)»: unexpected text after the end of the filter`},
		{`emails[type eq "work"`, `error: «[type»: the bracket opened here is not closed`},
		{`emails[type eq "work"].`, `error: a sub-attribute name must follow the dot at the end of the filter`},
		{`emails[value[type eq "x"]]`, `error: «value[type»: a value filter cannot hold another value filter`},
		{`emails[name.givenName eq "x"]`, `error: «name.givenName»: inside brackets, name a sub-attribute of the bracketed attribute`},
		{`name.givenName[value eq "x"]`, `error: «name.givenName[value»: a value filter applies to an attribute, not to a sub-attribute`},
		{`not userName eq "a"`, `error: «not»: "not" must be followed by a filter in parentheses`},
		{`userName eq "a" and`, `error: an attribute name is missing at the end of the filter`},
		{`userName eq "a" or or b eq "c"`, `error: «b»: is not an operator (eq ne co sw ew gt ge lt le pr)`},
		{`1abc eq "a"`, `error: «1abc»: is not an attribute path`},
		{`a.b.c eq "a"`, `error: «a.b.c»: is not an attribute path`},
		{`userName eq 01`, `error: «01»: is not a number`},
		{``, `error: the filter is empty`},
		{`   `, `error: the filter is empty`},
		{"userName eq \"\xff\"", `error: the filter is not valid UTF-8`},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in)
		got := ""
		if err != nil {
			got = "error: " + err.Error()
		} else {
			got = e.String()
		}
		if got != tt.want {
			t.Errorf("Parse(%q)\n got %s\nwant %s", tt.in, got, tt.want)
			continue
		}
		if err == nil {
			// The canonical text reads back as the same tree.
			again, err := Parse(got)
			if err != nil || again.String() != got {
				t.Errorf("Parse(%q).String() = %q does not read back: %v", tt.in, got, err)
			}
		}
	}
}

// TestParseBounds checks the bounds: a filter over 8 KiB, nested deeper than MaxDepth or with more
// than MaxComparisons comparisons is refused, quickly and with a reason.
func TestParseBounds(t *testing.T) {
	long := `userName eq "` + strings.Repeat("a", MaxLength) + `"`
	deep := strings.Repeat("(", MaxDepth+1) + `a pr` + strings.Repeat(")", MaxDepth+1)
	deepNot := strings.Repeat("not (", MaxDepth+1) + `a pr` + strings.Repeat(")", MaxDepth+1)
	many := strings.Repeat(`a pr or `, MaxComparisons) + `a pr`
	okDeep := strings.Repeat("(", MaxDepth) + `a pr` + strings.Repeat(")", MaxDepth)
	for _, tt := range []struct{ name, in, reason string }{
		{"over 8 KiB", long, "longer than 8192 bytes"},
		{"nested parentheses", deep, "nested deeper than 16 levels"},
		{"nested not", deepNot, "nested deeper than 16 levels"},
		{"too many comparisons", many, "more than 256 comparisons"},
		{"unclosed parentheses", strings.Repeat("(", 5000), "nested deeper than 16 levels"},
	} {
		_, err := Parse(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("%s: error %v, want one saying %q", tt.name, err, tt.reason)
		}
	}
	if _, err := Parse(okDeep); err != nil {
		t.Errorf("nesting of exactly %d levels: %v", MaxDepth, err)
	}
}

// TestCompileErrors checks that attributes, sub-attributes, operators and values the catalog cannot
// use are refused, naming the part.
func TestCompileErrors(t *testing.T) {
	c := testCatalog()
	tests := []struct{ in, part, reason string }{
		{`nickName eq "x"`, "nickName", "is not an attribute fsscim can filter on"},
		{`name.middleName eq "x"`, "name.middleName", "is not a sub-attribute of name"},
		{`userName.value eq "x"`, "userName.value", "userName has no sub-attributes"},
		{`urn:example:other:User:userName eq "x"`, "urn:example:other:User:userName", "names a schema this resource type does not have"},
		{`emails[kind eq "work"]`, "kind", "is not a sub-attribute of emails"},
		{`userName[value eq "x"]`, `userName[value eq "x"]`, "userName is not a complex attribute"},
		{`active gt true`, "active gt true", "boolean; it compares with eq, ne and pr only"},
		{`active co "t"`, `active co "t"`, "boolean"},
		{`meta.created co "2025"`, `meta.created co "2025"`, "dateTime; co, sw and ew compare strings"},
		{`meta.created gt "yesterday"`, `meta.created gt "yesterday"`, "is not an xsd:dateTime"},
		{`meta.created gt 2025`, "meta.created gt 2025", "quoted xsd:dateTime"},
		{`logins gt "many"`, `logins gt "many"`, "is a number; compare it with a number"},
		{`logins co 1`, "logins co 1", "co, sw and ew compare strings"},
		{`userName gt null`, "userName gt null", "null compares with eq and ne only"},
		{`name eq "Barbara"`, `name eq "Barbara"`, "name is complex; compare one of its sub-attributes"},
	}
	for _, tt := range tests {
		_, err := c.Compile(tt.in)
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("Compile(%q) = %v, want an *Error", tt.in, err)
			continue
		}
		if fe.Part != tt.part || !strings.Contains(fe.Reason, tt.reason) {
			t.Errorf("Compile(%q): part %q reason %q, want part %q reason containing %q", tt.in, fe.Part, fe.Reason, tt.part, tt.reason)
		}
	}
}

// TestEvaluate checks what matches: RFC 7643's case rules (caseExact attributes compare exactly,
// others ignoring case), multi-valued attributes (some value matches), value paths (one value meets
// every condition), complex attributes compared through their value sub-attribute, presence,
// ordering of strings, dates and numbers, null, not, and the lenient reading of a non-boolean text
// compared with a boolean.
func TestEvaluate(t *testing.T) {
	c := testCatalog()
	tests := []struct {
		in   string
		want bool
	}{
		{`userName eq "bjensen@example.com"`, true},
		{`userName eq "BJensen@Example.COM"`, true}, // userName ignores case
		{`userName eq "bjensen"`, false},
		{`externalId eq "E-42"`, true},
		{`externalId eq "e-42"`, false}, // externalId is caseExact
		{`id eq "21000000042"`, true},
		{`id eq 21000000042`, true}, // a bare number compares as written
		{`USERNAME EQ "bjensen@example.com"`, true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen@example.com"`, true},
		{`userName sw "BJEN"`, true},
		{`userName ew "EXAMPLE.com"`, true},
		{`userName co "sen@ex"`, true},
		{`userName co "nobody"`, false},
		{`externalId sw "e"`, false},
		{`externalId sw "E"`, true},
		{`userName ne "someone@example.com"`, true},
		{`userName ne "BJENSEN@example.com"`, false},
		{`displayName gt "Babs"`, true},
		{`displayName gt "babs jensen"`, false},
		{`displayName ge "babs jensen"`, true},
		{`displayName lt "C"`, true},
		{`displayName le "A"`, false},
		{`active eq true`, true},
		{`active eq "True"`, true},
		{`active ne false`, true},
		{`active eq "b4fa7c1e-0000-4000-8000-000000000000"`, false}, // Test Connection's GUID
		{`active ne "b4fa7c1e-0000-4000-8000-000000000000"`, true},
		{`emails eq "babs@jensen.org"`, true}, // a multi-valued complex attribute compares its value
		{`emails.value eq "BABS@JENSEN.ORG"`, true},
		{`emails.type eq "home"`, true},
		{`emails.type ne "work"`, false}, // ne: no value equals; one is work
		{`emails[type eq "work"].value eq "bjensen@example.com"`, true},
		{`emails[type eq "work"].value eq "babs@jensen.org"`, false}, // both hold, but not on one value
		{`emails[type eq "home" and value ew "jensen.org"]`, true},
		{`emails[primary eq true].value eq "bjensen@example.com"`, true},
		{`emails[primary eq true].value eq "babs@jensen.org"`, false},
		{`emails[not (type eq "work")]`, true},
		{`emails[type eq "other"]`, false},
		{`emails pr`, true},
		{`emails[type eq "home"].primary pr`, false},
		{`name.givenName eq "barbara"`, true},
		{`name pr`, true},
		{`manager eq "21000000007"`, true},
		{`manager.value eq "21000000007"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations"`, true},
		{`department eq "Tour Operations"`, true}, // an extension's attribute without its URN
		{`manager eq null`, false},
		{`manager ne null`, true},
		{`meta.created gt "2025-01-01T00:00:00Z"`, true},
		{`meta.created gt "2025-01-10T08:00:00Z"`, false},
		{`meta.created ge "2025-01-10T08:00:00Z"`, true},
		{`meta.created eq "2025-01-10T09:00:00+01:00"`, true}, // the same instant in another zone
		{`meta.lastModified lt "2025-03-01T12:30:00.5Z"`, true},
		{`meta.created gt "2025-01-10T07:00:00"`, true}, // no zone: UTC
		{`logins gt 10`, true},
		{`logins lt 12.5`, true},
		{`logins eq "12"`, true},
		{`not (userName eq "bjensen@example.com")`, false},
		{`not (userName eq "x") and active eq true`, true},
		{`userName eq "x" or name.familyName eq "jensen"`, true},
		{`(userName eq "x" or displayName pr) and not (active eq false)`, true},
	}
	for _, tt := range tests {
		f, err := c.Compile(tt.in)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.in, err)
			continue
		}
		if got := f.Matches(barbara); got != tt.want {
			t.Errorf("%s: matches = %v, want %v", tt.in, got, tt.want)
		}
	}
	// A resource without the attributes: ne and "eq null" hold, everything else fails.
	empty := res{}
	for in, want := range map[string]bool{
		`userName eq "x"`:                        false,
		`userName ne "x"`:                        true,
		`userName pr`:                            false,
		`userName eq null`:                       true,
		`emails[type eq "w"]`:                    false,
		`emails.type ne "w"`:                     true,
		`not (emails pr)`:                        true,
		`meta.created lt "2030-01-01T00:00:00Z"`: false,
	} {
		f, err := c.Compile(in)
		if err != nil {
			t.Fatalf("Compile(%q): %v", in, err)
		}
		if got := f.Matches(empty); got != want {
			t.Errorf("%s on an empty resource: %v, want %v", in, got, want)
		}
	}
}

// TestEqualValues checks what a filter pins down for an index: the values an attribute must equal.
func TestEqualValues(t *testing.T) {
	c := testCatalog()
	tests := []struct {
		in        string
		slot, sub int
		want      []string
	}{
		{`userName eq "a"`, slotUserName, -1, []string{"a"}},
		{`userName eq "a" and active eq true`, slotUserName, -1, []string{"a"}},
		{`userName eq "a" or userName eq "b"`, slotUserName, -1, []string{"a", "b"}},
		{`userName eq "a" or displayName eq "b"`, slotUserName, -1, nil},
		{`userName co "a"`, slotUserName, -1, nil},
		{`not (userName eq "a")`, slotUserName, -1, nil},
		{`emails[type eq "work"].value eq "x"`, slotEmails, 0, []string{"x"}},
		{`emails.value eq "x"`, slotEmails, 0, []string{"x"}},
		{`emails eq "x"`, slotEmails, 0, []string{"x"}},
		{`id eq "1" and manager eq "2"`, slotID, -1, []string{"1"}},
		{`userName eq null`, slotUserName, -1, nil},
	}
	for _, tt := range tests {
		f, err := c.Compile(tt.in)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tt.in, err)
		}
		got, ok := f.EqualValues(tt.slot, tt.sub)
		if ok != (tt.want != nil) || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: EqualValues = %v %v, want %v", tt.in, got, ok, tt.want)
		}
	}
}

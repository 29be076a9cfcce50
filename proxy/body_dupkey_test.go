package proxy

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// duplicateKeyByTokens is the plain way to find a duplicate key, reading the document token by token;
// duplicateKey must answer as it does.
func duplicateKeyByTokens(raw []byte) (string, bool) {
	type frame struct {
		keys      map[string]bool // nil for an array
		expectKey bool
	}
	var stack []*frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].keys != nil {
			stack[n-1].expectKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, &frame{keys: map[string]bool{}, expectKey: true})
			case '[':
				stack = append(stack, &frame{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].keys != nil && stack[n-1].expectKey {
			name, _ := tok.(string)
			key := strings.ToLower(name)
			if stack[n-1].keys[key] {
				return name, true
			}
			stack[n-1].keys[key] = true
			stack[n-1].expectKey = false
			continue
		}
		valueDone()
	}
}

func manyKeys(n int, dup string) string {
	var b strings.Builder
	b.WriteString(`{"schemas":["x"],"big":{`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k`)
		b.WriteString(strings.Repeat("a", i%7))
		b.WriteString(string(rune('A' + i%26)))
		b.WriteString(`":` + `"v"`)
	}
	if dup != "" {
		b.WriteString(`,"` + dup + `":1`)
	}
	b.WriteString("}}")
	return b.String()
}

var duplicateKeySeeds = []string{
	`{}`, `[]`, `"s"`, `1`, `null`,
	`{"userName":"a","USERNAME":"b"}`,
	`{"userName":"a","name":{"givenName":"x","GivenName":"y"}}`,
	`{"emails":[{"value":"a"},{"value":"b"}]}`,
	`{"a":"b:c","b":"a"}`,
	`{"a" : 1 , "A"	:2}`,
	`{"a":["a","a",{"a":1}],"b":{"a":1}}`,
	`{"\u0061":1,"a":2}`,
	`{"a\"b":1,"A\"B":2}`,
	`{"x":"\\","X":1}`,
	`{"x":"\\\"","y":{"z":"q\"","Z":1}}`,
	`{"Operations":[{"op":"add","value":{"title":"x","TITLE":"y"}}]}`,
	`{"ß":1,"SS":2}`, `{"é":1,"É":2}`,
	`{"a":{"b":{"c":{"d":[1,2,{"e":1,"E":2}]}}}}`,
	manyKeys(40, ""), manyKeys(40, "KAAAAC"), manyKeys(40, "kaaaa"), manyKeys(17, "ka"), manyKeys(16, "KB"),
}

// TestDuplicateKeyAnswersAsTheTokenScan checks the byte scan against the token-by-token reading on
// documents built to catch it out: escapes, colons in values, case, nesting, big objects.
func TestDuplicateKeyAnswersAsTheTokenScan(t *testing.T) {
	for _, doc := range duplicateKeySeeds {
		if !json.Valid([]byte(doc)) {
			t.Fatalf("seed is not JSON: %s", doc)
		}
		gotName, got := duplicateKey([]byte(doc))
		wantName, want := duplicateKeyByTokens([]byte(doc))
		if got != want || gotName != wantName {
			t.Errorf("%s: duplicateKey = %q %v, token scan %q %v", doc, gotName, got, wantName, want)
		}
	}
}

func FuzzDuplicateKey(f *testing.F) {
	for _, s := range duplicateKeySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if !json.Valid([]byte(doc)) {
			return
		}
		gotName, got := duplicateKey([]byte(doc))
		wantName, want := duplicateKeyByTokens([]byte(doc))
		if got != want || gotName != wantName {
			t.Errorf("%q: duplicateKey = %q %v, token scan %q %v", doc, gotName, got, wantName, want)
		}
	})
}

package mapping

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // every IANA name is checked against the real zone database, not the host's
)

// referenceTimeZones is the list of time zone names Freshservice documents for its time_zone field.
const referenceTimeZones = `International Date Line West, Midway Island, American Samoa, Hawaii, Alaska, Pacific Time (US & Canada),
Tijuana, Mountain Time (US & Canada), Arizona, Chihuahua, Mazatlan, Central Time (US & Canada),
Saskatchewan, Guadalajara, Mexico City, Monterrey, Central America, Eastern Time (US & Canada),
Indiana (East), Bogota, Lima, Quito, Atlantic Time (Canada), Caracas, La Paz, Santiago, Newfoundland,
Brasilia, Buenos Aires, Montevideo, Georgetown, Puerto Rico, Greenland, Mid-Atlantic, Azores,
Cape Verde Is., Dublin, Edinburgh, Lisbon, London, Casablanca, Monrovia, UTC, Belgrade, Bratislava,
Budapest, Ljubljana, Prague, Sarajevo, Skopje, Warsaw, Zagreb, Brussels, Copenhagen, Madrid, Paris,
Amsterdam, Berlin, Bern, Zurich, Rome, Stockholm, Vienna, West Central Africa, Bucharest, Cairo,
Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius, Athens, Istanbul, Minsk, Jerusalem, Harare, Pretoria,
Kaliningrad, Moscow, St. Petersburg, Volgograd, Samara, Kuwait, Riyadh, Nairobi, Baghdad, Tehran,
Abu Dhabi, Muscat, Baku, Tbilisi, Yerevan, Kabul, Ekaterinburg, Islamabad, Karachi, Tashkent, Chennai,
Kolkata, Mumbai, New Delhi, Kathmandu, Astana, Dhaka, Sri Jayawardenepura, Almaty, Novosibirsk,
Rangoon, Bangkok, Hanoi, Jakarta, Krasnoyarsk, Beijing, Chongqing, Hong Kong, Urumqi, Kuala Lumpur,
Singapore, Taipei, Perth, Irkutsk, Ulaanbaatar, Seoul, Osaka, Sapporo, Tokyo, Yakutsk, Darwin,
Adelaide, Canberra, Melbourne, Sydney, Brisbane, Hobart, Vladivostok, Guam, Port Moresby, Magadan,
Srednekolymsk, Solomon Is., New Caledonia, Fiji, Kamchatka, Marshall Is., Auckland, Wellington,
Nuku'alofa, Tokelau Is., Chatham Is., Samoa`

// sharedZoneNames are the Freshservice names that Rails maps to the same IANA zone as another name,
// with the name that zone maps back to. IANA has no zone of their own for them (Mumbai, Osaka,
// Islamabad…), so no table can map them back to themselves; Echo answers Entra's IANA name instead.
var sharedZoneNames = map[string]string{
	"Guadalajara":    "Mexico City",
	"Quito":          "Lima",
	"Edinburgh":      "London",
	"Bern":           "Zurich",
	"St. Petersburg": "Moscow",
	"Abu Dhabi":      "Muscat",
	"Islamabad":      "Karachi",
	"Chennai":        "Kolkata",
	"Mumbai":         "Kolkata",
	"New Delhi":      "Kolkata",
	"Astana":         "Dhaka",
	"Hanoi":          "Bangkok",
	"Osaka":          "Tokyo",
	"Sapporo":        "Tokyo",
	"Canberra":       "Melbourne",
	"Wellington":     "Auckland",
}

func TestFreshserviceTimeZonesAreTheReferenceList(t *testing.T) {
	var want []string
	for _, name := range strings.Split(referenceTimeZones, ",") {
		want = append(want, strings.TrimSpace(name))
	}
	got := FreshserviceTimeZones()
	if !slices.Equal(got, want) {
		t.Fatalf("FreshserviceTimeZones() has %d names, the reference %d; first difference: %s", len(got), len(want), firstZoneDifference(got, want))
	}
	got[0] = "changed"
	if FreshserviceTimeZones()[0] == "changed" {
		t.Fatal("FreshserviceTimeZones returns the package's own table")
	}
}

func firstZoneDifference(got, want []string) string {
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("at %d: got %q, want %q", i, g, w)
		}
	}
	return "none"
}

func TestTimeZoneRoundTripEveryFreshserviceName(t *testing.T) {
	for _, name := range FreshserviceTimeZones() {
		t.Run(name, func(t *testing.T) {
			iana, ok := TimeZoneFromFreshservice(name)
			if !ok || iana == "" {
				t.Fatalf("TimeZoneFromFreshservice(%q) = %q, %v", name, iana, ok)
			}
			if _, err := time.LoadLocation(iana); err != nil {
				t.Errorf("IANA zone %q of %q does not exist: %v", iana, name, err)
			}
			back, ok := TimeZoneToFreshservice(iana)
			if !ok {
				t.Fatalf("TimeZoneToFreshservice(%q) (from %q) not found", iana, name)
			}
			want := name
			if canonical, shared := sharedZoneNames[name]; shared {
				want = canonical
				if sibling, _ := TimeZoneFromFreshservice(canonical); sibling != iana {
					t.Errorf("%q is listed as sharing the zone of %q, but their zones are %q and %q", name, canonical, iana, sibling)
				}
			}
			if back != want {
				t.Errorf("%q -> %q -> %q, want %q", name, iana, back, want)
			}
		})
	}
}

func TestTimeZoneAliasesAreRealZonesWithFreshserviceNames(t *testing.T) {
	names := FreshserviceTimeZones()
	for iana, name := range ianaAliases {
		if _, err := time.LoadLocation(iana); err != nil {
			t.Errorf("alias %q is not an IANA zone: %v", iana, err)
		}
		if !slices.Contains(names, name) {
			t.Errorf("alias %q maps to %q, which is not a Freshservice name", iana, name)
		}
		for _, z := range railsZones {
			if z.iana == iana && zoneIndex.fromIANA[iana] != name {
				t.Errorf("alias %q shadows the Rails zone of %q", iana, z.name)
			}
		}
	}
	for iana, name := range canonicalZoneName {
		if got, _ := TimeZoneFromFreshservice(name); got != iana {
			t.Errorf("canonical name %q for %q maps to zone %q", name, iana, got)
		}
	}
}

func TestTimeZoneToFreshservice(t *testing.T) {
	checkZoneLookup(t, "TimeZoneToFreshservice", TimeZoneToFreshservice, []zoneCase{
		{"Rails zone", "America/New_York", "Eastern Time (US & Canada)", true},
		{"US alias", "US/Eastern", "Eastern Time (US & Canada)", true},
		{"Canadian city", "America/Toronto", "Eastern Time (US & Canada)", true},
		{"Etc/UTC", "Etc/UTC", "UTC", true},
		{"UTC", "UTC", "UTC", true},
		{"GMT", "GMT", "UTC", true},
		{"Etc/GMT", "Etc/GMT", "UTC", true},
		{"old name of Kolkata", "Asia/Calcutta", "Kolkata", true},
		{"shared zone maps to its city", "Asia/Kolkata", "Kolkata", true},
		{"Ecuador", "America/Guayaquil", "Quito", true},
		{"Rails's own Alaska", "America/Juneau", "Alaska", true},
		{"Anchorage", "America/Anchorage", "Alaska", true},
		{"Kyiv new spelling", "Europe/Kyiv", "Kyiv", true},
		{"Kyiv Rails spelling", "Europe/Kiev", "Kyiv", true},
		{"Greenland old name", "America/Godthab", "Greenland", true},
		{"Dubai", "Asia/Dubai", "Abu Dhabi", true},
		{"Saigon", "Asia/Ho_Chi_Minh", "Hanoi", true},
		{"fixed offset", "Etc/GMT+12", "International Date Line West", true},
		{"case ignored", "america/los_angeles", "Pacific Time (US & Canada)", true},
		{"white space trimmed", " Europe/Paris ", "Paris", true},
		{"Freshservice name accepted", "Eastern Time (US & Canada)", "Eastern Time (US & Canada)", true},
		{"Freshservice name any case", "edinburgh", "Edinburgh", true},
		{"unknown zone", "Mars/Olympus_Mons", "", false},
		{"zone Freshservice lacks", "America/Adak", "", false},
		{"Windows name not supported", "Eastern Standard Time", "", false},
		{"empty", "", "", false},
	})
}

func TestTimeZoneFromFreshservice(t *testing.T) {
	checkZoneLookup(t, "TimeZoneFromFreshservice", TimeZoneFromFreshservice, []zoneCase{
		{"US zone", "Eastern Time (US & Canada)", "America/New_York", true},
		{"shared zone", "Edinburgh", "Europe/London", true},
		{"Rails quirk kept", "Quito", "America/Lima", true},
		{"case ignored", "hong kong", "Asia/Hong_Kong", true},
		{"older Rails spelling", "Kyev", "Europe/Kiev", true},
		{"UTC", "UTC", "Etc/UTC", true},
		{"unknown", "Atlantis", "", false},
		{"IANA is not a Freshservice name", "Europe/London", "", false},
		{"empty", "", "", false},
	})
}

// zoneCase is one lookup of a zone name: what it is given, and the name and found flag it answers.
type zoneCase struct {
	name, in, want string
	ok             bool
}

// checkZoneLookup runs lookup, the function called fn, on every case.
func checkZoneLookup(t *testing.T, fn string, lookup func(string) (string, bool), tests []zoneCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := lookup(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("%s(%q) = %q, %v; want %q, %v", fn, tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

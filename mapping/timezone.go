package mapping

import "strings"

// railsZone pairs a Freshservice time zone name (Rails ActiveSupport::TimeZone) with the IANA zone
// Rails maps it to.
type railsZone struct{ name, iana string }

// railsZones is every time zone name Freshservice accepts, in Freshservice's order, with the IANA zone
// of ActiveSupport::TimeZone::MAPPING. Several names share one zone (London and Edinburgh);
// canonicalZoneName says which of them that zone maps back to.
var railsZones = [...]railsZone{
	{"International Date Line West", "Etc/GMT+12"},
	{"Midway Island", "Pacific/Midway"},
	{"American Samoa", "Pacific/Pago_Pago"},
	{"Hawaii", "Pacific/Honolulu"},
	{"Alaska", "America/Juneau"},
	{"Pacific Time (US & Canada)", "America/Los_Angeles"},
	{"Tijuana", "America/Tijuana"},
	{"Mountain Time (US & Canada)", "America/Denver"},
	{"Arizona", "America/Phoenix"},
	{"Chihuahua", "America/Chihuahua"},
	{"Mazatlan", "America/Mazatlan"},
	{"Central Time (US & Canada)", "America/Chicago"},
	{"Saskatchewan", "America/Regina"},
	{"Guadalajara", "America/Mexico_City"},
	{"Mexico City", "America/Mexico_City"},
	{"Monterrey", "America/Monterrey"},
	{"Central America", "America/Guatemala"},
	{"Eastern Time (US & Canada)", "America/New_York"},
	{"Indiana (East)", "America/Indiana/Indianapolis"},
	{"Bogota", "America/Bogota"},
	{"Lima", "America/Lima"},
	{"Quito", "America/Lima"},
	{"Atlantic Time (Canada)", "America/Halifax"},
	{"Caracas", "America/Caracas"},
	{"La Paz", "America/La_Paz"},
	{"Santiago", "America/Santiago"},
	{"Newfoundland", "America/St_Johns"},
	{"Brasilia", "America/Sao_Paulo"},
	{"Buenos Aires", "America/Argentina/Buenos_Aires"},
	{"Montevideo", "America/Montevideo"},
	{"Georgetown", "America/Guyana"},
	{"Puerto Rico", "America/Puerto_Rico"},
	{"Greenland", "America/Nuuk"},
	{"Mid-Atlantic", "Atlantic/South_Georgia"},
	{"Azores", "Atlantic/Azores"},
	{"Cape Verde Is.", "Atlantic/Cape_Verde"},
	{"Dublin", "Europe/Dublin"},
	{"Edinburgh", "Europe/London"},
	{"Lisbon", "Europe/Lisbon"},
	{"London", "Europe/London"},
	{"Casablanca", "Africa/Casablanca"},
	{"Monrovia", "Africa/Monrovia"},
	{"UTC", "Etc/UTC"},
	{"Belgrade", "Europe/Belgrade"},
	{"Bratislava", "Europe/Bratislava"},
	{"Budapest", "Europe/Budapest"},
	{"Ljubljana", "Europe/Ljubljana"},
	{"Prague", "Europe/Prague"},
	{"Sarajevo", "Europe/Sarajevo"},
	{"Skopje", "Europe/Skopje"},
	{"Warsaw", "Europe/Warsaw"},
	{"Zagreb", "Europe/Zagreb"},
	{"Brussels", "Europe/Brussels"},
	{"Copenhagen", "Europe/Copenhagen"},
	{"Madrid", "Europe/Madrid"},
	{"Paris", "Europe/Paris"},
	{"Amsterdam", "Europe/Amsterdam"},
	{"Berlin", "Europe/Berlin"},
	{"Bern", "Europe/Zurich"},
	{"Zurich", "Europe/Zurich"},
	{"Rome", "Europe/Rome"},
	{"Stockholm", "Europe/Stockholm"},
	{"Vienna", "Europe/Vienna"},
	{"West Central Africa", "Africa/Algiers"},
	{"Bucharest", "Europe/Bucharest"},
	{"Cairo", "Africa/Cairo"},
	{"Helsinki", "Europe/Helsinki"},
	{"Kyiv", "Europe/Kiev"},
	{"Riga", "Europe/Riga"},
	{"Sofia", "Europe/Sofia"},
	{"Tallinn", "Europe/Tallinn"},
	{"Vilnius", "Europe/Vilnius"},
	{"Athens", "Europe/Athens"},
	{"Istanbul", "Europe/Istanbul"},
	{"Minsk", "Europe/Minsk"},
	{"Jerusalem", "Asia/Jerusalem"},
	{"Harare", "Africa/Harare"},
	{"Pretoria", "Africa/Johannesburg"},
	{"Kaliningrad", "Europe/Kaliningrad"},
	{"Moscow", "Europe/Moscow"},
	{"St. Petersburg", "Europe/Moscow"},
	{"Volgograd", "Europe/Volgograd"},
	{"Samara", "Europe/Samara"},
	{"Kuwait", "Asia/Kuwait"},
	{"Riyadh", "Asia/Riyadh"},
	{"Nairobi", "Africa/Nairobi"},
	{"Baghdad", "Asia/Baghdad"},
	{"Tehran", "Asia/Tehran"},
	{"Abu Dhabi", "Asia/Muscat"},
	{"Muscat", "Asia/Muscat"},
	{"Baku", "Asia/Baku"},
	{"Tbilisi", "Asia/Tbilisi"},
	{"Yerevan", "Asia/Yerevan"},
	{"Kabul", "Asia/Kabul"},
	{"Ekaterinburg", "Asia/Yekaterinburg"},
	{"Islamabad", "Asia/Karachi"},
	{"Karachi", "Asia/Karachi"},
	{"Tashkent", "Asia/Tashkent"},
	{"Chennai", "Asia/Kolkata"},
	{"Kolkata", "Asia/Kolkata"},
	{"Mumbai", "Asia/Kolkata"},
	{"New Delhi", "Asia/Kolkata"},
	{"Kathmandu", "Asia/Kathmandu"},
	{"Astana", "Asia/Dhaka"},
	{"Dhaka", "Asia/Dhaka"},
	{"Sri Jayawardenepura", "Asia/Colombo"},
	{"Almaty", "Asia/Almaty"},
	{"Novosibirsk", "Asia/Novosibirsk"},
	{"Rangoon", "Asia/Rangoon"},
	{"Bangkok", "Asia/Bangkok"},
	{"Hanoi", "Asia/Bangkok"},
	{"Jakarta", "Asia/Jakarta"},
	{"Krasnoyarsk", "Asia/Krasnoyarsk"},
	{"Beijing", "Asia/Shanghai"},
	{"Chongqing", "Asia/Chongqing"},
	{"Hong Kong", "Asia/Hong_Kong"},
	{"Urumqi", "Asia/Urumqi"},
	{"Kuala Lumpur", "Asia/Kuala_Lumpur"},
	{"Singapore", "Asia/Singapore"},
	{"Taipei", "Asia/Taipei"},
	{"Perth", "Australia/Perth"},
	{"Irkutsk", "Asia/Irkutsk"},
	{"Ulaanbaatar", "Asia/Ulaanbaatar"},
	{"Seoul", "Asia/Seoul"},
	{"Osaka", "Asia/Tokyo"},
	{"Sapporo", "Asia/Tokyo"},
	{"Tokyo", "Asia/Tokyo"},
	{"Yakutsk", "Asia/Yakutsk"},
	{"Darwin", "Australia/Darwin"},
	{"Adelaide", "Australia/Adelaide"},
	{"Canberra", "Australia/Melbourne"},
	{"Melbourne", "Australia/Melbourne"},
	{"Sydney", "Australia/Sydney"},
	{"Brisbane", "Australia/Brisbane"},
	{"Hobart", "Australia/Hobart"},
	{"Vladivostok", "Asia/Vladivostok"},
	{"Guam", "Pacific/Guam"},
	{"Port Moresby", "Pacific/Port_Moresby"},
	{"Magadan", "Asia/Magadan"},
	{"Srednekolymsk", "Asia/Srednekolymsk"},
	{"Solomon Is.", "Pacific/Guadalcanal"},
	{"New Caledonia", "Pacific/Noumea"},
	{"Fiji", "Pacific/Fiji"},
	{"Kamchatka", "Asia/Kamchatka"},
	{"Marshall Is.", "Pacific/Majuro"},
	{"Auckland", "Pacific/Auckland"},
	{"Wellington", "Pacific/Auckland"},
	{"Nuku'alofa", "Pacific/Tongatapu"},
	{"Tokelau Is.", "Pacific/Fakaofo"},
	{"Chatham Is.", "Pacific/Chatham"},
	{"Samoa", "Pacific/Apia"},
}

// canonicalZoneName picks, for a zone Rails gives several names, the name an IANA zone maps to: the
// city the zone is named after. The other names still map to the same zone, and Echo gives Entra
// back its exact IANA name while Freshservice holds the name it was stored as.
var canonicalZoneName = map[string]string{
	"America/Mexico_City": "Mexico City",
	"America/Lima":        "Lima",
	"Europe/London":       "London",
	"Europe/Zurich":       "Zurich",
	"Europe/Moscow":       "Moscow",
	"Asia/Muscat":         "Muscat",
	"Asia/Karachi":        "Karachi",
	"Asia/Kolkata":        "Kolkata",
	"Asia/Dhaka":          "Dhaka",
	"Asia/Bangkok":        "Bangkok",
	"Asia/Tokyo":          "Tokyo",
	"Australia/Melbourne": "Melbourne",
	"Pacific/Auckland":    "Auckland",
}

// ianaAliases maps IANA names Rails does not use (backward links, renamed zones, and zones of the same
// region and rules) to the Freshservice name that fits them best.
var ianaAliases = map[string]string{
	// Universal time and its many spellings.
	"UTC":           "UTC",
	"Etc/UCT":       "UTC",
	"UCT":           "UTC",
	"Etc/Universal": "UTC",
	"Universal":     "UTC",
	"Etc/Zulu":      "UTC",
	"Zulu":          "UTC",
	"Etc/GMT":       "UTC",
	"GMT":           "UTC",
	"Etc/GMT+0":     "UTC",
	"Etc/GMT-0":     "UTC",
	"Etc/GMT0":      "UTC",
	"GMT0":          "UTC",
	"GMT+0":         "UTC",
	"GMT-0":         "UTC",
	"Etc/Greenwich": "UTC",
	"Greenwich":     "UTC",

	// North America.
	"US/Hawaii":                   "Hawaii",
	"Pacific/Johnston":            "Hawaii",
	"US/Samoa":                    "American Samoa",
	"Pacific/Samoa":               "American Samoa",
	"America/Anchorage":           "Alaska",
	"US/Alaska":                   "Alaska",
	"US/Pacific":                  "Pacific Time (US & Canada)",
	"Canada/Pacific":              "Pacific Time (US & Canada)",
	"America/Vancouver":           "Pacific Time (US & Canada)",
	"PST8PDT":                     "Pacific Time (US & Canada)",
	"Mexico/BajaNorte":            "Tijuana",
	"America/Ensenada":            "Tijuana",
	"America/Santa_Isabel":        "Tijuana",
	"US/Mountain":                 "Mountain Time (US & Canada)",
	"Canada/Mountain":             "Mountain Time (US & Canada)",
	"America/Edmonton":            "Mountain Time (US & Canada)",
	"America/Boise":               "Mountain Time (US & Canada)",
	"Navajo":                      "Mountain Time (US & Canada)",
	"America/Shiprock":            "Mountain Time (US & Canada)",
	"MST7MDT":                     "Mountain Time (US & Canada)",
	"US/Arizona":                  "Arizona",
	"MST":                         "Arizona",
	"Mexico/BajaSur":              "Mazatlan",
	"US/Central":                  "Central Time (US & Canada)",
	"Canada/Central":              "Central Time (US & Canada)",
	"America/Winnipeg":            "Central Time (US & Canada)",
	"CST6CDT":                     "Central Time (US & Canada)",
	"Canada/Saskatchewan":         "Saskatchewan",
	"Mexico/General":              "Mexico City",
	"US/Eastern":                  "Eastern Time (US & Canada)",
	"Canada/Eastern":              "Eastern Time (US & Canada)",
	"America/Toronto":             "Eastern Time (US & Canada)",
	"America/Montreal":            "Eastern Time (US & Canada)",
	"America/Detroit":             "Eastern Time (US & Canada)",
	"America/Kentucky/Louisville": "Eastern Time (US & Canada)",
	"America/Louisville":          "Eastern Time (US & Canada)",
	"EST5EDT":                     "Eastern Time (US & Canada)",
	"America/Indianapolis":        "Indiana (East)",
	"America/Fort_Wayne":          "Indiana (East)",
	"US/East-Indiana":             "Indiana (East)",
	"America/Guayaquil":           "Quito",
	"Canada/Atlantic":             "Atlantic Time (Canada)",
	"Chile/Continental":           "Santiago",
	"Canada/Newfoundland":         "Newfoundland",
	"Brazil/East":                 "Brasilia",
	"America/Buenos_Aires":        "Buenos Aires",
	"America/Godthab":             "Greenland",

	// Europe and Africa.
	"Eire":           "Dublin",
	"GB":             "London",
	"GB-Eire":        "London",
	"Europe/Belfast": "London",
	"Portugal":       "Lisbon",
	"Poland":         "Warsaw",
	"Europe/Kyiv":    "Kyiv",
	"Egypt":          "Cairo",
	"Turkey":         "Istanbul",
	"Asia/Istanbul":  "Istanbul",
	"Israel":         "Jerusalem",
	"Asia/Tel_Aviv":  "Jerusalem",
	"W-SU":           "Moscow",

	// Asia and the Pacific.
	"Asia/Dubai":           "Abu Dhabi",
	"Iran":                 "Tehran",
	"Asia/Calcutta":        "Kolkata",
	"Asia/Katmandu":        "Kathmandu",
	"Asia/Dacca":           "Dhaka",
	"Asia/Yangon":          "Rangoon",
	"Asia/Ho_Chi_Minh":     "Hanoi",
	"Asia/Saigon":          "Hanoi",
	"PRC":                  "Beijing",
	"Asia/Harbin":          "Beijing",
	"Asia/Chungking":       "Chongqing",
	"Hongkong":             "Hong Kong",
	"Singapore":            "Singapore",
	"ROC":                  "Taipei",
	"Asia/Ulan_Bator":      "Ulaanbaatar",
	"ROK":                  "Seoul",
	"Japan":                "Tokyo",
	"Australia/West":       "Perth",
	"Australia/North":      "Darwin",
	"Australia/South":      "Adelaide",
	"Australia/Canberra":   "Canberra",
	"Australia/ACT":        "Canberra",
	"Australia/Victoria":   "Melbourne",
	"Australia/NSW":        "Sydney",
	"Australia/Queensland": "Brisbane",
	"Australia/Tasmania":   "Hobart",
	"NZ":                   "Auckland",
	"NZ-CHAT":              "Chatham Is.",
}

// legacyZoneNames are names older Freshservice (Rails) versions used for a zone since renamed.
var legacyZoneNames = map[string]string{
	"Kyev": "Kyiv",
}

// zoneTables is built once from the tables above; it is read-only afterwards.
type zoneTables struct {
	toIANA       map[string]string // Freshservice name -> IANA
	fold         map[string]string // lower-cased Freshservice name -> Freshservice name
	fromIANA     map[string]string // IANA -> Freshservice name
	foldFromIANA map[string]string // lower-cased IANA -> Freshservice name
}

var zoneIndex = buildZoneTables()

func buildZoneTables() zoneTables {
	t := zoneTables{
		toIANA:       make(map[string]string, len(railsZones)),
		fold:         make(map[string]string, len(railsZones)),
		fromIANA:     make(map[string]string, len(railsZones)+len(ianaAliases)),
		foldFromIANA: make(map[string]string, len(railsZones)+len(ianaAliases)),
	}
	for _, z := range railsZones {
		t.toIANA[z.name] = z.iana
		t.fold[strings.ToLower(z.name)] = z.name
		name := z.name
		if c, shared := canonicalZoneName[z.iana]; shared {
			name = c
		}
		t.fromIANA[z.iana] = name
	}
	for iana, name := range ianaAliases {
		t.fromIANA[iana] = name
	}
	for iana, name := range t.fromIANA {
		t.foldFromIANA[strings.ToLower(iana)] = name
	}
	return t
}

// TimeZoneToFreshservice maps an IANA time zone (as Entra sends it, e.g. "America/New_York") to the
// Freshservice name for it ("Eastern Time (US & Canada)"). A value that already is a Freshservice name
// is accepted as it is. Matching ignores case. It reports false for a zone Freshservice has no name for.
func TimeZoneToFreshservice(iana string) (string, bool) {
	iana = strings.TrimSpace(iana)
	if iana == "" {
		return "", false
	}
	if name, ok := zoneIndex.fromIANA[iana]; ok {
		return name, true
	}
	lower := strings.ToLower(iana)
	if name, ok := zoneIndex.foldFromIANA[lower]; ok {
		return name, true
	}
	if name, ok := zoneIndex.fold[lower]; ok {
		return name, true
	}
	return "", false
}

// TimeZoneFromFreshservice maps a Freshservice time zone name to its IANA zone, the one Rails maps it
// to. It reports false for a name it does not know.
func TimeZoneFromFreshservice(name string) (string, bool) {
	name = strings.TrimSpace(name)
	if iana, ok := zoneIndex.toIANA[name]; ok {
		return iana, true
	}
	if canonical, ok := zoneIndex.fold[strings.ToLower(name)]; ok {
		return zoneIndex.toIANA[canonical], true
	}
	if current, ok := legacyZoneNames[name]; ok {
		return zoneIndex.toIANA[current], true
	}
	return "", false
}

// FreshserviceTimeZones lists every time zone name Freshservice accepts, in Freshservice's order.
func FreshserviceTimeZones() []string {
	names := make([]string, len(railsZones))
	for i, z := range railsZones {
		names[i] = z.name
	}
	return names
}

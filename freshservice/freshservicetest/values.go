package freshservicetest

import "slices"

// TimeZones are the time_zone values the emulator accepts: the Rails ActiveSupport::TimeZone display
// names Freshservice uses for its time_zone field. Treat as read-only.
var TimeZones = []string{
	"International Date Line West", "Midway Island", "American Samoa", "Hawaii", "Alaska",
	"Pacific Time (US & Canada)", "Tijuana", "Mountain Time (US & Canada)", "Arizona", "Chihuahua",
	"Mazatlan", "Central Time (US & Canada)", "Saskatchewan", "Guadalajara", "Mexico City", "Monterrey",
	"Central America", "Eastern Time (US & Canada)", "Indiana (East)", "Bogota", "Lima", "Quito",
	"Atlantic Time (Canada)", "Caracas", "La Paz", "Santiago", "Newfoundland", "Brasilia", "Buenos Aires",
	"Montevideo", "Georgetown", "Puerto Rico", "Greenland", "Mid-Atlantic", "Azores", "Cape Verde Is.",
	"Dublin", "Edinburgh", "Lisbon", "London", "Casablanca", "Monrovia", "UTC", "Belgrade", "Bratislava",
	"Budapest", "Ljubljana", "Prague", "Sarajevo", "Skopje", "Warsaw", "Zagreb", "Brussels", "Copenhagen",
	"Madrid", "Paris", "Amsterdam", "Berlin", "Bern", "Zurich", "Rome", "Stockholm", "Vienna",
	"West Central Africa", "Bucharest", "Cairo", "Helsinki", "Kyiv", "Riga", "Sofia", "Tallinn", "Vilnius",
	"Athens", "Istanbul", "Minsk", "Jerusalem", "Harare", "Pretoria", "Kaliningrad", "Moscow",
	"St. Petersburg", "Volgograd", "Samara", "Kuwait", "Riyadh", "Nairobi", "Baghdad", "Tehran",
	"Abu Dhabi", "Muscat", "Baku", "Tbilisi", "Yerevan", "Kabul", "Ekaterinburg", "Islamabad", "Karachi",
	"Tashkent", "Chennai", "Kolkata", "Mumbai", "New Delhi", "Kathmandu", "Astana", "Dhaka",
	"Sri Jayawardenepura", "Almaty", "Novosibirsk", "Rangoon", "Bangkok", "Hanoi", "Jakarta", "Krasnoyarsk",
	"Beijing", "Chongqing", "Hong Kong", "Urumqi", "Kuala Lumpur", "Singapore", "Taipei", "Perth",
	"Irkutsk", "Ulaanbaatar", "Seoul", "Osaka", "Sapporo", "Tokyo", "Yakutsk", "Darwin", "Adelaide",
	"Canberra", "Melbourne", "Sydney", "Brisbane", "Hobart", "Vladivostok", "Guam", "Port Moresby",
	"Magadan", "Srednekolymsk", "Solomon Is.", "New Caledonia", "Fiji", "Kamchatka", "Marshall Is.",
	"Auckland", "Wellington", "Nuku'alofa", "Tokelau Is.", "Chatham Is.", "Samoa",
}

// Languages are the language codes the emulator accepts: the choices of the documented requester
// language field. Treat as read-only.
var Languages = []string{
	"ar", "ca", "zh-CN", "cs", "da", "nl", "en", "et", "fi", "fr", "de", "hu", "id", "it", "ja-JP", "ko",
	"nb-NO", "pl", "pt-BR", "pt-PT", "ru-RU", "sk", "sl", "es", "es-LA", "sv-SE", "th", "tr", "vi", "cy-GB",
}

func validTimeZone(tz string) bool { return slices.Contains(TimeZones, tz) }

func validLanguage(l string) bool { return slices.Contains(Languages, l) }

using System.Globalization;
using System.Text.RegularExpressions;

namespace FeedWatcher.Feeds.Parsing;

/// <summary>Reads the dates real feeds carry, culture-invariantly: RFC 822/1123 and their variants, ISO 8601
/// and W3C-DTF, asctime, numeric and several languages' month names, named zones (EST, CEST, MET, PT,
/// IANA names). A date without a zone is UTC, never the machine's zone; an impossible or garbled date is
/// rejected rather than read as some other instant.</summary>
public static partial class FeedDates
{
    /// <summary>The instant <paramref name="text"/> names, in UTC, or null when it cannot be read for certain.</summary>
    public static DateTime? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        var s = text.Trim();
        if (TryRfc1123(s, out var fast))
            return fast;
        if (Rfc3339(s) is { } exact)
            return exact;
        return (Iso().Match(s) is { Success: true } iso ? FromIso(iso) : null)
            ?? (ShortIso().Match(s) is { Success: true } shortIso ? FromShortIso(shortIso) : null)
            ?? (UnixTime().IsMatch(s) ? DateTime.UnixEpoch.AddSeconds(long.Parse(s, CultureInfo.InvariantCulture)) : (DateTime?)null)
            ?? FromWords(s);
    }

    // The form nearly every RSS feed uses, read without regular expressions:
    // "Fri, 14 Apr 2017 08:30:00 GMT" or "+0430"; anything else goes to the general readers.
    static bool TryRfc1123(string s, out DateTime? value)
    {
        value = null;
        var span = s.AsSpan();
        if (span.Length > 5 && char.IsAsciiLetter(span[0]) && span[3] == ',')
            span = span[4..].TrimStart(' ');
        var dayDigits = span.Length > 1 && char.IsAsciiDigit(span[1]) ? 2 : 1;
        if (span.Length < dayDigits + 20 || !TryDigits(span[..dayDigits], out var day) || span[dayDigits] != ' ')
            return false;
        span = span[(dayDigits + 1)..];
        if (span[3] != ' ' || EnglishMonth(span[..3]) is not (> 0 and var month) || span[8] != ' ' || !TryDigits(span.Slice(4, 4), out var year))
            return false;
        span = span[9..];
        if (span.Length < 7 || span[2] != ':' || !TryDigits(span[..2], out var hour) || !TryDigits(span.Slice(3, 2), out var minute))
            return false;
        var second = 0;
        span = span[5..];
        if (span.Length > 0 && span[0] == ':')
        {
            if (span.Length < 3 || !TryDigits(span.Slice(1, 2), out second)) return false;
            span = span[3..];
        }
        if (span.Length < 2 || span[0] != ' ')
            return false;
        var zone = span[1..];
        TimeSpan offset;
        if (zone is "GMT" or "UT" or "UTC" or "Z")
            offset = TimeSpan.Zero;
        else if (zone.Length == 5 && zone[0] is '+' or '-' && TryDigits(zone.Slice(1, 2), out var zh) && TryDigits(zone.Slice(3, 2), out var zm) && zh <= 14 && zm <= 59)
            offset = (zone[0] == '-' ? -1 : 1) * new TimeSpan(zh, zm, 0);
        else
            return false;
        value = Build(year, month, day, hour, minute, second, offset);
        return true;
    }

    // The form nearly every Atom feed uses, read without regular expressions: "2017-04-14T08:30:00Z",
    // "2017-04-14T08:30:00.123+02:00", no zone at all. Null for anything else, out of range included, which the
    // ISO reader below then reads as it always does.
    static DateTime? Rfc3339(ReadOnlySpan<char> s)
    {
        if (s.Length < 19 || s[4] != '-' || s[7] != '-' || s[10] is not ('T' or ' ') || s[13] != ':' || s[16] != ':'
            || !TryDigits(s[..4], out var year) || !TryDigits(s.Slice(5, 2), out var month) || !TryDigits(s.Slice(8, 2), out var day)
            || !TryDigits(s.Slice(11, 2), out var hour) || !TryDigits(s.Slice(14, 2), out var minute) || !TryDigits(s.Slice(17, 2), out var second))
            return null;
        var zone = s[19..];
        if (zone.Length > 1 && zone[0] is '.' or ',' && char.IsAsciiDigit(zone[1]))
        {
            zone = zone[1..];
            zone = zone[(zone.IndexOfAnyExceptInRange('0', '9') is var end and >= 0 ? end : zone.Length)..];
        }
        TimeSpan offset;
        if (zone.IsEmpty || zone is "Z")
            offset = TimeSpan.Zero;
        else if (zone.Length == 6 && zone[0] is '+' or '-' && zone[3] == ':' && TryDigits(zone.Slice(1, 2), out var zh) && TryDigits(zone.Slice(4, 2), out var zm)
            && zh <= 14 && zm <= 59)
            offset = (zone[0] == '-' ? -1 : 1) * new TimeSpan(zh, zm, 0);
        else
            return null;
        return Build(year, month, day, hour, minute, second, offset);
    }

    static bool TryDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c)) return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }

    static int EnglishMonth(ReadOnlySpan<char> name) => (name[0] | 0x20, name[1] | 0x20, name[2] | 0x20) switch
    {
        ('j', 'a', 'n') => 1, ('f', 'e', 'b') => 2, ('m', 'a', 'r') => 3, ('a', 'p', 'r') => 4, ('m', 'a', 'y') => 5, ('j', 'u', 'n') => 6,
        ('j', 'u', 'l') => 7, ('a', 'u', 'g') => 8, ('s', 'e', 'p') => 9, ('o', 'c', 't') => 10, ('n', 'o', 'v') => 11, ('d', 'e', 'c') => 12,
        _ => 0,
    };

    // 2003-12-31T10:14:55.538-08:00, 2004-07-08 23:56:58, 2003-12, 2003, 20031231T101455Z; a zone only after a time.
    [GeneratedRegex(@"^(?<y>\d{4})(?:-?(?<mo>\d{2,3})(?:-?(?<d>\d{2}))?)?(?:[T ](?<h>\d{2}):?(?<mi>\d{2})(?::?(?<s>\d{2})(?:[.,]\d+)?)?(?:\s*(?<z>Z|[+-]\d{2}(?::?\d{2})?)Z?)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Iso();

    // Two-digit years of ISO 8601:2000's reduced forms: 031231, 03-12-31, -0312, -03-12.
    [GeneratedRegex(@"^(?:(?<y>\d{2})-?(?<mo>\d{2})-?(?<d>\d{2})|-(?<y>\d{2})-?(?<mo>\d{2}))$", RegexOptions.CultureInvariant)]
    private static partial Regex ShortIso();

    [GeneratedRegex(@"^\d{9,10}$")]
    private static partial Regex UnixTime();

    static DateTime? FromIso(Match m)
    {
        var offset = m.Groups["z"].Success ? Offset(m.Groups["z"].Value) : TimeSpan.Zero;
        return offset is null ? null : Build(Int(m, "y"), Int(m, "mo", 1), Int(m, "d", 1), Int(m, "h"), Int(m, "mi"), Int(m, "s"), offset.Value);
    }

    static DateTime? FromShortIso(Match m) => Build(TwoDigitYear(Int(m, "y")), Int(m, "mo", 1), Int(m, "d", 1), 0, 0, 0, TimeSpan.Zero);

    static int Int(Match m, string group, int missing = 0) =>
        m.Groups[group].Success ? int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture) : missing;

    static int TwoDigitYear(int yy) => yy < 70 ? 2000 + yy : 1900 + yy;

    /// <summary>+0200, -07:00, +05, Z; null when malformed or out of range.</summary>
    static TimeSpan? Offset(string z)
    {
        if (z is "Z" or "z") return TimeSpan.Zero;
        var m = OffsetPattern().Match(z);
        if (!m.Success) return null;
        var hours = int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture);
        var minutes = m.Groups["m"].Success ? int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture) : 0;
        if (hours > 14 || minutes > 59) return null;
        var offset = new TimeSpan(hours, minutes, 0);
        return m.Groups["sign"].Value == "-" ? -offset : offset;
    }

    [GeneratedRegex(@"^(?<sign>[+-])(?<h>\d{2}):?(?<m>\d{2})?$")]
    private static partial Regex OffsetPattern();

    static DateTime? Build(int year, int month, int day, int hour, int minute, int second, TimeSpan offset)
    {
        if (year is < 1 or > 9999 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 24 || minute > 59 || second > 60 || (hour == 24 && (minute > 0 || second > 0)))
            return null;
        var local = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc)
            .AddHours(hour).AddMinutes(minute).AddSeconds(Math.Min(second, 59));
        return local - offset;
    }

    // The token reader for everything that is not ISO: "Thu, 01 Jan 04 19:48:21 GMT",
    // "Sun Jul 15 01:16:00 +0000 2012", "Do, 29 Mär 2018 00:00:00 +0200", "Fri, 2006/09/15 08:19:53 EDT".
    static DateTime? FromWords(string s)
    {
        if (s.Contains('년', StringComparison.Ordinal))
            return Korean(s);
        s = Parenthesized().Replace(s, " ");
        int? year = null, month = null, day = null, hour = null, minute = null, second = null;
        TimeSpan? offset = null;
        string? zoneId = null;
        var pm = (bool?)null;
        var numbers = new List<string>();
        var ambiguous = new List<int>(); // tokens that may be a month or a weekday ("mar.": mardi or mars)
        var tokens = Tokens().Matches(s).Select(t => t.Value).ToList();
        for (var index = 0; index < tokens.Count; index++)
        {
            var raw = tokens[index];
            var token = raw.TrimEnd('.').ToLowerInvariant();
            if (token.Length == 0 || (token == "at" && index < tokens.Count - 1)) continue; // "June 22 at 01:11" vs zone AT
            if (TimePattern().Match(token) is { Success: true } time)
            {
                if (hour is not null) return null;
                hour = int.Parse(time.Groups["h"].Value, CultureInfo.InvariantCulture);
                minute = int.Parse(time.Groups["m"].Value, CultureInfo.InvariantCulture);
                second = time.Groups["s"].Success ? int.Parse(time.Groups["s"].Value, CultureInfo.InvariantCulture) : 0;
                if (time.Groups["ampm"].Success) pm = time.Groups["ampm"].Value.StartsWith('p');
                continue;
            }
            if (token[0] is '+' or '-' && token.Length > 1 && char.IsDigit(token[1]))
            {
                if (offset is not null || (offset = Offset(token)) is null) return null;
                continue;
            }
            if (ZoneWithOffset().Match(token) is { Success: true } zoned)
            {
                if (offset is not null || (offset = Offset(zoned.Groups["o"].Value)) is null) return null;
                continue;
            }
            if (char.IsDigit(token[0]))
            {
                numbers.Add(Ordinal().Replace(token, ""));
                continue;
            }
            if (token is "am" or "a.m" or "pm" or "p.m")
            {
                pm = token[0] == 'p';
                continue;
            }
            if (Zones.TryGetValue(token, out var zone))
            {
                offset = zone;
                continue;
            }
            if (raw.Contains('/', StringComparison.Ordinal) && TimeZoneInfo.TryFindSystemTimeZoneById(raw, out _))
            {
                zoneId = raw;
                continue;
            }
            var asMonth = Months.TryGetValue(token, out var m) ? m : (int?)null;
            var asDay = Weekdays.Contains(token);
            if (asMonth is { } value && asDay)
                ambiguous.Add(value);
            else if (asMonth is { } only)
            {
                if (month is not null) return null;
                month = only;
            }
            else if (!asDay && !Filler.Contains(token))
                return null; // a word that is not part of any date: refuse to guess
        }
        if (month is null && ambiguous.Count == 1) month = ambiguous[0];

        if (!AssignNumbers(numbers, ref year, ref month, ref day))
            return null;
        if (year is null || month is null) return null;
        day ??= 1;
        if (hour is null) { hour = 0; minute = 0; second = 0; }
        if (pm is { } isPm)
        {
            if (hour is < 1 or > 12) return null;
            hour = hour % 12 + (isPm ? 12 : 0);
        }
        if (zoneId is not null)
        {
            var wall = Build(year.Value, month.Value, day.Value, hour.Value, minute!.Value, second!.Value, TimeSpan.Zero);
            if (wall is null) return null;
            var zoneInfo = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
            offset = zoneInfo.GetUtcOffset(DateTime.SpecifyKind(wall.Value, DateTimeKind.Unspecified));
        }
        return Build(year.Value, month.Value, day.Value, hour.Value, minute!.Value, second!.Value, offset ?? TimeSpan.Zero);
    }

    // Numbers are a day, a year, or a whole numeric date (2006/09/15, 03/30/2020, 30.10.23, 11 04 2020).
    static bool AssignNumbers(List<string> numbers, ref int? year, ref int? month, ref int? day)
    {
        if (numbers.Count == 1 && NumericDate().Match(numbers[0]) is { Success: true } whole)
        {
            var parts = new[] { whole.Groups["a"].Value, whole.Groups["b"].Value, whole.Groups["c"].Value };
            var separator = whole.Groups["sep"].Value;
            numbers = [.. parts];
            if (parts[0].Length == 4) { year = int.Parse(parts[0], CultureInfo.InvariantCulture); month = int.Parse(parts[1], CultureInfo.InvariantCulture); day = int.Parse(parts[2], CultureInfo.InvariantCulture); return true; }
            var first = int.Parse(parts[0], CultureInfo.InvariantCulture);
            var second = int.Parse(parts[1], CultureInfo.InvariantCulture);
            var monthFirst = separator == "/" && first <= 12;
            month = monthFirst ? first : second;
            day = monthFirst ? second : first;
            year = Year(parts[2]);
            return year is not null;
        }
        if (month is null && numbers.Count == 3 && numbers.All(n => n.All(char.IsDigit)))
        {
            day = int.Parse(numbers[0], CultureInfo.InvariantCulture);
            month = int.Parse(numbers[1], CultureInfo.InvariantCulture);
            year = Year(numbers[2]);
            return year is not null;
        }
        foreach (var n in numbers)
        {
            if (!n.All(char.IsDigit)) return false;
            if (n.Length == 4 && year is null) year = int.Parse(n, CultureInfo.InvariantCulture);
            else if (n.Length <= 2 && day is null) day = int.Parse(n, CultureInfo.InvariantCulture);
            else if (n.Length == 2 && year is null) year = TwoDigitYear(int.Parse(n, CultureInfo.InvariantCulture));
            else return false;
        }
        return true;
    }

    static int? Year(string digits) => digits.Length switch
    {
        4 => int.Parse(digits, CultureInfo.InvariantCulture),
        2 => TwoDigitYear(int.Parse(digits, CultureInfo.InvariantCulture)),
        _ => null,
    };

    // 2004년 05월 28일 01:31:15, as Korean blog hosts write it: Korea time, UTC+9.
    static DateTime? Korean(string s)
    {
        var m = KoreanPattern().Match(s);
        return m.Success ? Build(Int(m, "y"), Int(m, "mo"), Int(m, "d"), Int(m, "h"), Int(m, "mi"), Int(m, "s"), TimeSpan.FromHours(9)) : null;
    }

    [GeneratedRegex(@"^(?<y>\d{4})년\s*(?<mo>\d{1,2})월\s*(?<d>\d{1,2})일\s+(?<h>\d{1,2}):(?<mi>\d{2}):(?<s>\d{2})$")]
    private static partial Regex KoreanPattern();

    [GeneratedRegex(@"\([^)]*\)")]
    private static partial Regex Parenthesized();

    // Words, numbers with their separators, times, offsets: commas and stray dashes split tokens.
    [GeneratedRegex(@"[+-]?\d[\d:/.]*(?:(?:st|nd|rd|th)\b|\s?[ap]\.?m\b\.?)?|[^\s,\d][^\s,]*", RegexOptions.IgnoreCase)]
    private static partial Regex Tokens();

    [GeneratedRegex(@"^(?<h>\d{1,2}):(?<m>\d{2})(?::(?<s>\d{2}))?(?:\.\d+)?(?:\s?(?<ampm>[ap])\.?m\.?)?$")]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"^(?:gmt|utc|ut)(?<o>[+-]\d{1,2}(?::?\d{2})?)$")]
    private static partial Regex ZoneWithOffset();

    [GeneratedRegex(@"(?<=\d)(st|nd|rd|th)$")]
    private static partial Regex Ordinal();

    [GeneratedRegex(@"^(?<a>\d{1,4})(?<sep>[/.-])(?<b>\d{1,2})\k<sep>(?<c>\d{2,4})$")]
    private static partial Regex NumericDate();

    static readonly HashSet<string> Filler = ["of", "the", "de", "-", "–", "um", "à", "le"];

    static readonly Dictionary<string, TimeSpan> Zones = new()
    {
        ["z"] = TimeSpan.Zero, ["ut"] = TimeSpan.Zero, ["utc"] = TimeSpan.Zero, ["gmt"] = TimeSpan.Zero, ["etc/gmt"] = TimeSpan.Zero,
        ["wet"] = TimeSpan.Zero, ["west"] = H(1), ["bst"] = H(1), ["ist"] = new TimeSpan(5, 30, 0),
        ["cet"] = H(1), ["met"] = H(1), ["mez"] = H(1), ["cest"] = H(2), ["mest"] = H(2), ["mesz"] = H(2),
        ["eet"] = H(2), ["eest"] = H(3), ["msk"] = H(3),
        ["est"] = H(-5), ["edt"] = H(-4), ["cst"] = H(-6), ["cdt"] = H(-5), ["mst"] = H(-7), ["mdt"] = H(-6),
        ["pst"] = H(-8), ["pdt"] = H(-7), ["akst"] = H(-9), ["akdt"] = H(-8), ["hst"] = H(-10),
        ["ast"] = H(-4), ["adt"] = H(-3), ["nst"] = -new TimeSpan(3, 30, 0), ["ndt"] = -new TimeSpan(2, 30, 0),
        ["at"] = H(-4), ["et"] = H(-5), ["ct"] = H(-6), ["mt"] = H(-7), ["pt"] = H(-8),
        ["jst"] = H(9), ["kst"] = H(9), ["hkt"] = H(8), ["sgt"] = H(8), ["awst"] = H(8),
        ["acst"] = new TimeSpan(9, 30, 0), ["aest"] = H(10), ["aedt"] = H(11), ["nzst"] = H(12), ["nzdt"] = H(13),
    };

    static TimeSpan H(int hours) => TimeSpan.FromHours(hours);

    static readonly Dictionary<string, int> Months = BuildMonths(
        "jan january janv janvier ene enero gen gennaio januar jänner jän janeiro ιαν ιανουαρίου ιανουάριος",
        "feb february fév févr février febrero febbraio februar fev fevereiro φεβ φεβρουαρίου φεβρουάριος",
        "mar march mars marzo märz mär maart março μάρ μαρ μαρτίου μάρτιος",
        "apr april avr avril abr abril aprile απρ απριλίου απρίλιος",
        "may mai mayo mag maggio mei maio μάι μαΐου μάιος",
        "jun june juin junio giu giugno juni jun. junho ιούν ιουν ιουνίου ιούνιος",
        "jul july juil juillet julio lug luglio juli julho ιούλ ιουλ ιουλίου ιούλιος",
        "aug august août aou ago agosto aug. augustus αύγ αυγ αυγούστου αύγουστος",
        "sep sept september septembre septiembre set settembre setembro σεπ σεπτεμβρίου σεπτέμβριος",
        "oct october octobre oct. octubre ott ottobre okt oktober out outubro οκτ οκτωβρίου οκτώβριος",
        "nov november novembre noviembre nov. novembro νοέ νοε νοεμβρίου νοέμβριος",
        "dec december déc décembre dic diciembre dicembre dez dezember dezembro δεκ δεκεμβρίου δεκέμβριος");

    static Dictionary<string, int> BuildMonths(params string[] names)
    {
        var months = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
            foreach (var name in names[i].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                months.TryAdd(name.TrimEnd('.'), i + 1);
        return months;
    }

    static readonly HashSet<string> Weekdays = new(
        ("mon monday tue tues tuesday wed weds wednesday thu thur thurs thursday fri friday sat saturday sun sunday "
         + "mo montag di dienstag mi mittwoch do donnerstag fr freitag sa samstag so sonntag "
         + "lun lundi mar mardi mer mercredi jeu jeudi ven vendredi sam samedi dim dimanche "
         + "lunes martes miércoles mié jueves jue viernes vie sábado sáb domingo dom "
         + "lunedì martedì mercoledì giovedì venerdì sabato gio "
         + "ma wo vr za zo seg ter qua qui sex "
         + "δευ τρι τετ πεμ παρ σαβ κυρ").Split(' ', StringSplitOptions.RemoveEmptyEntries),
        StringComparer.Ordinal);
}

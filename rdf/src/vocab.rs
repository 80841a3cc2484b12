//! The controlled vocabularies an offer points into, and what a well-formed reference to each
//! looks like. Offers are published to Europass, which rejects references that are not of these
//! shapes, so the hub checks them when an offer is written rather than when QDR refuses it.

/// ELM 3.1/3.2's namespace, which the official SHACL shapes still use (the mapping writes 3.3's,
/// `elm::ELM`; tests map one onto the other before validating).
pub const ELM_3_2: &str = "http://data.europa.eu/snb/model/elm/";
/// ESCO skills and competences live under this prefix, one UUID each.
pub const ESCO_SKILL: &str = "http://data.europa.eu/esco/skill/";
/// ISCED-F 2013 fields of education and training as an EU controlled vocabulary.
pub const ISCED_F: &str = "http://data.europa.eu/snb/isced-f/";
/// EQF levels 1–8 as an EU controlled vocabulary.
pub const EQF: &str = "http://data.europa.eu/snb/eqf/";

/// `http://data.europa.eu/esco/skill/` followed by a lower-case hyphenated UUID.
pub fn is_esco_skill_uri(uri: &str) -> bool {
    uri.strip_prefix(ESCO_SKILL).is_some_and(is_uuid)
}

/// The codes of the EU's ISCED-F 2013 vocabulary: broad (2 digits), narrow (3) and detailed
/// (4) fields. Not every string of digits is one, and the LOQ schema enumerates them, so the hub
/// keeps the list (a test holds it to the schema's).
pub const ISCED_F_CODES: [&str; 220] = [
    "00", "000", "001", "002", "003", "009", "0000", "0011", "0021", "0031", "0099", "01", "011",
    "018", "0110", "0111", "0112", "0113", "0114", "0119", "0188", "02", "020", "021", "022",
    "023", "028", "029", "0200", "0210", "0211", "0212", "0213", "0214", "0215", "0219", "0220",
    "0221", "0222", "0223", "0228", "0229", "0230", "0231", "0232", "0239", "0288", "0299", "03",
    "030", "031", "032", "038", "039", "0300", "0310", "0311", "0312", "0313", "0314", "0319",
    "0320", "0321", "0322", "0329", "0388", "0399", "04", "040", "041", "042", "048", "049",
    "0400", "0410", "0411", "0412", "0413", "0414", "0415", "0416", "0417", "0419", "0421", "0488",
    "0499", "05", "050", "051", "052", "053", "054", "058", "059", "0500", "0510", "0511", "0512",
    "0519", "0520", "0521", "0522", "0529", "0530", "0531", "0532", "0533", "0539", "0540", "0541",
    "0542", "0588", "0599", "06", "061", "068", "0610", "0611", "0612", "0613", "0619", "0688",
    "07", "070", "071", "072", "073", "078", "079", "0700", "0710", "0711", "0712", "0713", "0714",
    "0715", "0716", "0719", "0720", "0721", "0722", "0723", "0724", "0729", "0730", "0731", "0732",
    "0788", "0799", "08", "080", "081", "082", "083", "084", "088", "089", "0800", "0810", "0811",
    "0812", "0819", "0821", "0831", "0841", "0888", "0899", "09", "090", "091", "092", "098",
    "099", "0900", "0910", "0911", "0912", "0913", "0914", "0915", "0916", "0917", "0919", "0920",
    "0921", "0922", "0923", "0929", "0988", "0999", "10", "100", "101", "102", "103", "104", "108",
    "109", "1000", "1010", "1011", "1012", "1013", "1014", "1015", "1019", "1020", "1021", "1022",
    "1029", "1030", "1031", "1032", "1039", "1041", "1088", "1099", "99", "999", "9999",
];

/// The codes of the EU's currency authority table that the LOQ schema accepts (ISO 4217, as the
/// EU keeps it; a test holds the list to the schema's).
pub const CURRENCY_CODES: [&str; 179] = [
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BZD", "CAD", "CDF",
    "CHF", "CLP", "CNY", "COP", "CRC", "CUC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD",
    "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP",
    "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PGK",
    "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG",
    "SEK", "SGD", "SHP", "SLL", "SOS", "SRD", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP",
    "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYU", "UZS", "VND", "VUV", "WST",
    "XAF", "XCD", "XOF", "XPF", "XTS", "XXX", "YER", "ZAR", "SVC", "SSP", "ZMW", "PEN", "BYN",
    "MRU", "STN", "VES", "ZWL", "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "UYI", "UYW", "XAG",
    "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XUA",
];

/// A currency the EU's authority table knows.
pub fn is_currency_code(code: &str) -> bool {
    CURRENCY_CODES.contains(&code)
}

/// An `xs:decimal`: digits with an optional sign and fraction, nothing else (`1e3`, `NaN` and
/// `inf` are numbers to Rust but not to the schema).
pub fn is_decimal(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    !(whole.is_empty() && fraction.is_empty())
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// A code of the ISCED-F vocabulary.
pub fn is_isced_f_code(code: &str) -> bool {
    ISCED_F_CODES.contains(&code)
}

/// The EU vocabulary's IRI for an ISCED-F code, e.g. `0613` → `…/isced-f/0613`.
pub fn isced_f_iri(code: &str) -> Option<String> {
    is_isced_f_code(code).then(|| format!("{ISCED_F}{code}"))
}

/// The EU vocabulary's IRI for an EQF level, or `None` outside 1–8.
pub fn eqf_iri(level: i32) -> Option<String> {
    (1..=8).contains(&level).then(|| format!("{EQF}{level}"))
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, len)| {
            g.len() == len
                && g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esco_skill_uris() {
        assert!(is_esco_skill_uri(
            "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
        ));
        assert!(!is_esco_skill_uri(
            "https://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
        ));
        assert!(!is_esco_skill_uri(
            "http://data.europa.eu/esco/skill/not-a-uuid"
        ));
        assert!(!is_esco_skill_uri(
            "http://data.europa.eu/esco/skill/CCD0A1D9-AFDA-43D9-B901-96344886E14D"
        ));
    }

    #[test]
    fn isced_and_eqf() {
        assert_eq!(
            isced_f_iri("0613").as_deref(),
            Some("http://data.europa.eu/snb/isced-f/0613")
        );
        assert_eq!(isced_f_iri("06a"), None);
        assert_eq!(isced_f_iri("1"), None);
        assert_eq!(isced_f_iri("0618"), None, "digits, but no field of ISCED-F");
        assert_eq!(
            eqf_iri(5).as_deref(),
            Some("http://data.europa.eu/snb/eqf/5")
        );
        assert_eq!(eqf_iri(9), None);
    }

    #[test]
    fn decimals_as_the_schema_reads_them() {
        for ok in ["1200.50", "0", "-3.1", "+7", ".5", "5."] {
            assert!(is_decimal(ok), "{ok}");
        }
        for bad in ["1e3", "NaN", "inf", "", ".", "1,5", "1.2.3"] {
            assert!(!is_decimal(bad), "{bad}");
        }
    }

    /// The codes a controlled-vocabulary schema of LOQ 3.3.1 enumerates under `prefix`, read
    /// from the official copy (DEVELOPERS.md: conformance data is read where it lies, never
    /// copied).
    fn official(file: &str, prefix: &str) -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/conformance/loq-3.3.1/cv")
            .join(file);
        let xsd =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        xsd.split("value=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter_map(|iri| iri.strip_prefix(prefix))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn the_currency_codes_are_the_schemas() {
        let codes = official(
            "currency.xsd",
            "http://publications.europa.eu/resource/authority/currency/",
        );
        assert_eq!(codes, CURRENCY_CODES.to_vec());
    }

    #[test]
    fn the_isced_f_codes_are_the_schemas() {
        assert_eq!(official("isced-f.xsd", ISCED_F), ISCED_F_CODES.to_vec());
    }
}

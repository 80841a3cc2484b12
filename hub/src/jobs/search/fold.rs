//! Folding text so that a search matches however it is typed: case, diacritics and letter forms
//! that keyboards often lack (`Łódź` = `lodz`, `Εκπαίδευση` = `εκπαιδευση`).
//!
//! It runs before tantivy's analysers, on the indexed text and on the query alike, so both sides
//! always meet in the same form; the language's stemmer then works on the folded word.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lower-cases, drops combining marks (NFD, so `ą`, `é`, `ά`, `ΐ` lose theirs) and maps the
/// letters that carry no separable mark: Polish `ł`, Greek final `ς`, and a few Latin ligatures.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        for lower in c.to_lowercase() {
            match lower {
                'ł' => out.push('l'),
                'ς' => out.push('σ'),
                'ß' => out.push_str("ss"),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                'ø' => out.push('o'),
                'đ' => out.push('d'),
                other => out.push(other),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn polish_letters_fold_to_their_base() {
        assert_eq!(fold("Zażółć gęślą jaźń ŁÓDŹ"), "zazolc gesla jazn lodz");
    }

    #[test]
    fn greek_loses_accents_and_final_sigma() {
        assert_eq!(
            fold("Εκπαίδευση ΤΕΧΝΟΛΟΓΊΑΣ διαλυτικά ΐ"),
            "εκπαιδευση τεχνολογιασ διαλυτικα ι"
        );
        assert_eq!(fold("γνώσεις"), fold("ΓΝΩΣΕΙΣ"));
    }

    #[test]
    fn italian_and_plain_text() {
        assert_eq!(fold("Perché Città"), "perche citta");
        assert_eq!(fold("Excel 365"), "excel 365");
    }
}

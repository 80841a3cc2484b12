//! Baked badges (Open Badges 3.0, "Baking"): the credential travels inside its image, as one
//! uncompressed PNG `iTXt` chunk with the keyword `openbadgecredential`. The `png` crate reads and
//! writes the chunks; the image is re-encoded as it was (colour type, depth, palette).

use super::CredentialError;

pub const KEYWORD: &str = "openbadgecredential";

/// `image` with `credential` baked in (replacing one baked before).
pub fn bake(image: &[u8], credential: &str) -> Result<Vec<u8>, CredentialError> {
    let bad = |e: png::DecodingError| CredentialError::NotPng(e.to_string());
    let mut reader = png::Decoder::new(std::io::Cursor::new(image))
        .read_info()
        .map_err(bad)?;
    let mut pixels = vec![0; buffer_size(&reader)?];
    let frame = reader.next_frame(&mut pixels).map_err(bad)?;
    pixels.truncate(frame.buffer_size());
    let info = reader.info().clone();
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, info.width, info.height);
        encoder.set_color(info.color_type);
        encoder.set_depth(info.bit_depth);
        if let Some(palette) = &info.palette {
            encoder.set_palette(palette.to_vec());
        }
        if let Some(trns) = &info.trns {
            encoder.set_trns(trns.to_vec());
        }
        // Uncompressed, as the baking spec asks (the png crate's default for iTXt).
        encoder
            .add_itxt_chunk(KEYWORD.to_string(), credential.to_string())
            .map_err(|e| CredentialError::NotPng(e.to_string()))?;
        let mut writer = encoder
            .write_header()
            .map_err(|e| CredentialError::NotPng(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| CredentialError::NotPng(e.to_string()))?;
    }
    Ok(out)
}

/// The credential baked into `image`.
pub fn extract(image: &[u8]) -> Result<String, CredentialError> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(image));
    decoder.set_ignore_text_chunk(false);
    let mut reader = decoder
        .read_info()
        .map_err(|e| CredentialError::NotPng(e.to_string()))?;
    if let Some(text) = baked(reader.info()) {
        return Ok(text);
    }
    // Chunks after the image data are read with the rest of the file.
    let mut pixels = vec![0; buffer_size(&reader)?];
    reader
        .next_frame(&mut pixels)
        .map_err(|e| CredentialError::NotPng(e.to_string()))?;
    reader
        .finish()
        .map_err(|e| CredentialError::NotPng(e.to_string()))?;
    baked(reader.info()).ok_or(CredentialError::NotBaked)
}

/// Badge images are small: an image whose pixels would take more than 16 MiB (a 2048 × 2048
/// RGBA image; a small compressed upload can claim far more) is refused before anything is
/// allocated for it.
fn buffer_size<R: std::io::Read>(reader: &png::Reader<R>) -> Result<usize, CredentialError> {
    let size = reader.output_buffer_size();
    if size > 16 * 1024 * 1024 {
        return Err(CredentialError::NotPng(
            "its pixels would take more than 16 MiB".into(),
        ));
    }
    Ok(size)
}

fn baked(info: &png::Info<'_>) -> Option<String> {
    info.utf8_text
        .iter()
        .find(|c| c.keyword == KEYWORD)
        .and_then(|c| c.get_text().ok())
}

/// A plain badge image for badges given none: a disc in a colour of `seed`, with a ring.
pub fn default_image(seed: &[u8]) -> Vec<u8> {
    const SIZE: u32 = 256;
    let hue = seed
        .iter()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(*b as u32))
        % 6;
    // Dark tones, so the white ring stands out at 4.5:1 or more.
    let colour: [u8; 3] = [
        [0x1f, 0x4e, 0x79],
        [0x2e, 0x5e, 0x2e],
        [0x6b, 0x2d, 0x5c],
        [0x7a, 0x3b, 0x12],
        [0x1d, 0x5c, 0x63],
        [0x4a, 0x3a, 0x7a],
    ][hue as usize];
    let mut pixels = Vec::with_capacity((SIZE * SIZE * 4) as usize);
    let centre = SIZE as f32 / 2.0;
    for y in 0..SIZE {
        for x in 0..SIZE {
            let d = ((x as f32 + 0.5 - centre).powi(2) + (y as f32 + 0.5 - centre).powi(2)).sqrt();
            let px = if d > centre - 2.0 {
                [0, 0, 0, 0]
            } else if d > centre - 22.0 && d < centre - 14.0 {
                [0xff, 0xff, 0xff, 0xff]
            } else {
                [colour[0], colour[1], colour[2], 0xff]
            };
            pixels.extend_from_slice(&px);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, SIZE, SIZE);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("writing to memory");
        writer.write_image_data(&pixels).expect("writing to memory");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_baked_image_gives_its_credential_back_and_stays_the_same_image() {
        let image = default_image(b"badge-1");
        let baked = bake(&image, r#"{"id":"https://hub.example/badges/1"}"#).unwrap();
        assert_eq!(
            extract(&baked).unwrap(),
            r#"{"id":"https://hub.example/badges/1"}"#
        );
        let again = bake(&baked, r#"{"id":"2"}"#).unwrap();
        assert_eq!(
            extract(&again).unwrap(),
            r#"{"id":"2"}"#,
            "baked over, once"
        );
        let count = again.windows(4).filter(|w| w == b"iTXt").count();
        assert_eq!(count, 1, "one iTXt chunk");
        // The chunk is stored uncompressed: the JSON is readable in the file's bytes.
        assert!(again.windows(10).any(|w| w == br#"{"id":"2"}"#));
        let pixels = |png: &[u8]| {
            let mut r = png::Decoder::new(std::io::Cursor::new(png))
                .read_info()
                .unwrap();
            let mut buf = vec![0; r.output_buffer_size()];
            r.next_frame(&mut buf).unwrap();
            buf
        };
        assert_eq!(pixels(&image), pixels(&again));
    }

    #[test]
    fn what_is_not_a_baked_png_is_named() {
        assert!(matches!(
            extract(b"GIF89a"),
            Err(CredentialError::NotPng(_))
        ));
        assert_eq!(
            extract(&default_image(b"x")),
            Err(CredentialError::NotBaked)
        );
    }
}

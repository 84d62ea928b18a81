//! The NuGet packages and SDKs that MSBuild projects name, for the dependency manifests.

use super::{Declared, written};

/// The NuGet packages an MSBuild project or `Directory.Packages.props` names
/// (`<PackageReference Include="Npgsql" />`, `<PackageVersion Include="..." Version="..." />`),
/// and the SDKs it builds with (`<Project Sdk="Microsoft.NET.Sdk.Web">`,
/// `<Sdk Name="Aspire.AppHost.Sdk" />`), each located at its name. The SDK says what the
/// project is: `Microsoft.NET.Sdk.Web` is an ASP.NET Core application.
pub(super) fn msbuild(text: &str) -> Vec<Declared> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(open) = text[at..].find('<').map(|i| at + i) {
        if text[open..].starts_with("<!--") {
            match text[open..].find("-->") {
                Some(end) => at = open + end + 3,
                None => break,
            }
            continue;
        }
        let Some(close) = text[open..].find('>').map(|i| open + i) else {
            break;
        };
        at = close + 1;
        let tag = &text[open + 1..close];
        let element = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        let attribute = match element {
            "PackageReference" | "PackageVersion" | "GlobalPackageReference" => "Include",
            "Project" => "Sdk",
            "Sdk" => "Name",
            _ => continue,
        };
        let Some(value) = attribute_value(tag, attribute) else {
            continue;
        };
        // `Sdk="Microsoft.NET.Sdk.Web/8.0.0"` and `Sdk="A;B"` name each SDK, versioned.
        for name in value.split(';') {
            let name = name.split('/').next().unwrap_or(name).trim();
            if !name.is_empty() && !name.contains('$') {
                out.push(written(text, name, name.to_string()));
            }
        }
    }
    out
}

/// The value of `name="..."` (or single-quoted) among a tag's attributes.
fn attribute_value<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let mut rest = tag;
    while let Some(found) = rest.find(name) {
        let before = rest[..found].chars().next_back();
        let after = rest[found + name.len()..].trim_start();
        rest = &rest[found + name.len()..];
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let Some(value) = after.strip_prefix('=').map(str::trim_start) else {
            continue;
        };
        let quote = value.chars().next().filter(|c| matches!(c, '"' | '\''))?;
        return value[1..].split(quote).next();
    }
    None
}

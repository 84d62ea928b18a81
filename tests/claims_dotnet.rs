//! Report claims on .NET repositories: the NuGet packages and SDKs that MSBuild projects and
//! central package management name, and what they say about the repository (a database, a
//! service, an Aspire application deployed from its AppHost).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::assess_files;
use shipready::inventory::Ecosystem;
use shipready::parse::manifests;

const PACKAGES: &str = r#"<Project>
  <PropertyGroup>
    <ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally>
  </PropertyGroup>
  <ItemGroup>
    <!-- <PackageVersion Include="Commented.Out" Version="1.0" /> -> not a package -->
    <PackageVersion Include="Npgsql.EntityFrameworkCore.PostgreSQL" Version="9.0.4" />
    <PackageVersion Include='OpenTelemetry.Extensions.Hosting' Version="1.12.0" />
  </ItemGroup>
</Project>
"#;

const API: &str = r#"<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net9.0</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Npgsql.EntityFrameworkCore.PostgreSQL" />
    <PackageReference
        Include="AspNetCore.HealthChecks.Uris" />
    <PackageReference Update="$(Unresolved)" />
  </ItemGroup>
</Project>
"#;

const APP_HOST: &str = r#"<Project Sdk="Microsoft.NET.Sdk">
  <Sdk Name="Aspire.AppHost.Sdk" Version="9.3.0" />
  <PropertyGroup>
    <OutputType>Exe</OutputType>
  </PropertyGroup>
</Project>
"#;

fn names_and_lines(path: &str, text: &str) -> Vec<(String, usize)> {
    (manifests::parse(path, Ecosystem::Dotnet, text)
        .unwrap()
        .into_iter())
    .map(|d| (d.name, d.location.line))
    .collect()
}

/// Each package and SDK is read where it is named, lower-cased as NuGet compares names.
#[test]
fn packages_and_sdks_are_read_where_they_are_named() {
    assert_eq!(
        names_and_lines("Directory.Packages.props", PACKAGES),
        [
            ("npgsql.entityframeworkcore.postgresql".to_string(), 7),
            ("opentelemetry.extensions.hosting".to_string(), 8),
        ]
    );
    assert_eq!(
        names_and_lines("src/Api/Api.csproj", API),
        [
            ("microsoft.net.sdk.web".to_string(), 1),
            ("npgsql.entityframeworkcore.postgresql".to_string(), 6),
            ("aspnetcore.healthchecks.uris".to_string(), 8),
        ]
    );
    assert_eq!(
        names_and_lines("src/AppHost/AppHost.csproj", APP_HOST),
        [
            ("microsoft.net.sdk".to_string(), 1),
            ("aspire.apphost.sdk".to_string(), 2),
        ]
    );
}

/// An ASP.NET Core project on PostgreSQL is a service with a database once something
/// deploys it; an Aspire AppHost is what `azd up` deploys.
#[test]
fn an_aspire_application_is_a_deployed_service_with_a_database() {
    let traits = |files: &[(&str, &str)]| assess_files(files).inventory.traits;
    let api = [
        ("Directory.Packages.props", PACKAGES),
        ("src/Api/Api.csproj", API),
        (
            "src/Api/Program.cs",
            "var builder = WebApplication.CreateBuilder(args);\nvar app = builder.Build();\napp.Run();\n",
        ),
    ];
    let alone = traits(&api);
    assert!(alone.contains(&"database".to_string()), "{alone:?}");
    assert!(!alone.contains(&"service".to_string()), "{alone:?}");

    let mut with_host = api.to_vec();
    with_host.push(("src/AppHost/AppHost.csproj", APP_HOST));
    let hosted = traits(&with_host);
    for expected in ["database", "deployable", "service"] {
        assert!(hosted.contains(&expected.to_string()), "{hosted:?}");
    }
}

/// The unit suite is cited by its unit tests (`BasketServiceTests.cs`), not by the
/// end-to-end specs that sort before them by path.
#[test]
fn the_unit_suite_is_cited_by_its_unit_tests() {
    let found = assess_files(&[
        (
            "src/Basket/BasketService.cs",
            "namespace Basket;\npublic class BasketService {}\n",
        ),
        (
            "src/Basket/Program.cs",
            "var app = WebApplication.Create();\napp.Run();\n",
        ),
        (
            "e2e/AddItemTest.spec.ts",
            "import { test } from '@playwright/test';\ntest('adds', async () => {});\n",
        ),
        (
            "tests/Basket.UnitTests/BasketServiceTests.cs",
            "namespace Basket.UnitTests;\n[TestClass]\npublic class BasketServiceTests {}\n",
        ),
    ]);
    let cited: Vec<&str> = (common::practice(&found, "TST-01").evidence.iter())
        .map(|e| e.location.path.as_str())
        .collect();
    assert_eq!(
        cited,
        [
            "tests/Basket.UnitTests/BasketServiceTests.cs",
            "e2e/AddItemTest.spec.ts"
        ]
    );
}

/// A job that runs `dotnet build` builds, whatever else it does.
#[test]
fn a_dotnet_build_job_builds() {
    let workflow = "name: PR\non: pull_request\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      \
        - uses: actions/checkout@v4\n      - uses: actions/setup-dotnet@v4\n      \
        - run: dotnet build eShop.Web.slnf\n      - run: dotnet test --solution eShop.Web.slnf\n";
    let found = assess_files(&[
        ("src/Api/Api.csproj", API),
        (
            "src/Api/Program.cs",
            "var app = WebApplication.Create();\napp.Run();\n",
        ),
        (".github/workflows/pr-validation.yml", workflow),
    ]);
    let roles = &found.inventory.pipelines[0].jobs[0].roles;
    assert_eq!(roles, &["build", "lint", "test"]);
}

/// Silencing NuGet's vulnerable-package warnings in Directory.Build.props is reported at the
/// line that does it; other warnings in `<NoWarn>` are not.
#[test]
fn silenced_vulnerability_warnings_are_reported_where_they_are_silenced() {
    let props = "<Project>\n  <PropertyGroup>\n    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>\n    \
        <!-- Temporarily disable security warnings -->\n    <NoWarn>$(NoWarn);NU1901;NU1902;NU1903;NU1904</NoWarn>\n  \
        </PropertyGroup>\n</Project>\n";
    let found = assess_files(&[
        ("Directory.Build.props", props),
        ("src/Api/Api.csproj", API),
        (
            "src/Tool/Tool.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n    <NoWarn>CS1591</NoWarn>\n  </PropertyGroup>\n</Project>\n",
        ),
    ]);
    let reported: Vec<(String, usize)> = (found.findings.iter())
        .filter(|f| f.id == "suppressed-vulnerability-audit")
        .map(|f| (f.location.path.clone(), f.location.line))
        .collect();
    assert_eq!(reported, [("Directory.Build.props".to_string(), 5)]);
}

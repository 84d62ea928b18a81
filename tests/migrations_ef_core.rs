//! Entity Framework Core migrations on a fixture service laid out as `dotnet ef migrations add`
//! writes them: each migration beside its `.Designer.cs`, one `*ModelSnapshot.cs` per folder.
//! The operations of `Up` are found at their exact spans, generated metadata is never counted
//! as a migration, and an empty `Down` cannot revert anything.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{MIGRATION_RULES, span, spans};
use shipready::assessment::model::Assessment;
use shipready::evidence::State;
use shipready::findings::Finding;

const FOLDER: &str = "src/Ordering.API/Migrations";
const RESHAPE: &str = "src/Ordering.API/Migrations/20240201100000_ReshapeOrders.cs";
const BACKFILL: &str = "src/Ordering.API/Migrations/20240215120000_BackfillCurrency.cs";

fn migration_findings(assessment: &Assessment) -> Vec<Finding> {
    (assessment.findings.iter())
        .filter(|f| MIGRATION_RULES.contains(&f.id.as_str()))
        .cloned()
        .collect()
}

fn message(found: &[Finding], path: &str, line: usize, id: &str) -> String {
    (found.iter())
        .find(|f| f.location.path == path && f.location.line == line && f.id == id)
        .map(|f| f.message.clone())
        .unwrap_or_else(|| panic!("no {id} at {path}:{line}"))
}

#[test]
fn ef_core_operations_are_found_at_their_spans() {
    let assessment = common::assess("migrations-ef-core");
    let found = migration_findings(&assessment);
    let expected = vec![
        span(RESHAPE, (13, 13, 15, 33), "destructive-migration"),
        span(RESHAPE, (17, 13, 20, 35), "destructive-migration"),
        span(RESHAPE, (22, 13, 28, 36), "destructive-migration"),
        span(RESHAPE, (30, 13, 40, 35), "validating-constraint"),
        span(RESHAPE, (42, 13, 46, 33), "not-null-without-default"),
        span(RESHAPE, (55, 13, 58, 32), "index-locks-writes"),
        span(RESHAPE, (66, 13, 72, 53), "validating-constraint"),
        span(RESHAPE, (75, 17, 75, 41), "destructive-migration"),
        span(BACKFILL, (17, 9, 17, 72), "irreversible-migration"),
    ];
    assert_eq!(spans(&found), expected);
    assert_eq!(
        message(&found, RESHAPE, 22, "destructive-migration"),
        "changes the type of Orders.Amount from integer to bigint, which may rewrite the table"
    );
    // character varying(32) to (64) keeps every value: only the NOT NULL is reported.
    assert_eq!(
        message(&found, RESHAPE, 30, "validating-constraint"),
        "sets Orders.Code NOT NULL, scanning the table under lock"
    );
    assert_eq!(
        message(&found, RESHAPE, 55, "index-locks-writes"),
        "creates index IX_Orders_Code on Orders without CONCURRENTLY, blocking writes"
    );
    assert_eq!(
        message(&found, BACKFILL, 17, "irreversible-migration"),
        "cannot be reverted: Down is empty"
    );
}

#[test]
fn generated_metadata_is_not_counted_as_migrations() {
    let assessment = common::assess("migrations-ef-core");
    assert_eq!(assessment.inventory.migration_systems, ["EfCore"]);
    common::expect(
        &assessment,
        "DEP-16",
        State::Present,
        &["4 migration files (EfCore)"],
    );
    common::expect(
        &assessment,
        "DEP-18",
        State::Partial,
        &[&format!("1 of 4 migrations cannot be reversed: {BACKFILL}")],
    );
    let cited: Vec<String> = (common::practice(&assessment, "DEP-18").evidence.iter())
        .map(|e| e.location.to_string())
        .collect();
    assert_eq!(cited, [format!("{BACKFILL}:17:9")]);
    common::expect(
        &assessment,
        "DEP-22",
        State::Absent,
        &[&format!(
            "8 unsafe operations in 1 migration file and nothing lints migrations: drops column \
             Orders.Note ({RESHAPE}:13:13)"
        )],
    );
    assert!(
        (assessment.findings.iter()).all(|f| !f.location.path.ends_with(".Designer.cs")
            && !f.location.path.ends_with("ModelSnapshot.cs")),
    );
}

#[test]
fn sql_server_indexes_are_asked_to_build_online() {
    let migration = "using Microsoft.EntityFrameworkCore.Migrations;\n\nnamespace Shop.Migrations\n{\n    public partial class IndexOrders : Migration\n    {\n        protected override void Up(MigrationBuilder migrationBuilder)\n        {\n            migrationBuilder.CreateIndex(\n                name: \"IX_Orders_Code\",\n                table: \"Orders\",\n                column: \"Code\");\n\n            migrationBuilder.CreateIndex(\n                name: \"IX_Orders_Date\",\n                table: \"Orders\",\n                column: \"Date\")\n                .Annotation(\"SqlServer:Online\", true);\n        }\n\n        protected override void Down(MigrationBuilder migrationBuilder)\n        {\n            migrationBuilder.DropIndex(name: \"IX_Orders_Code\", table: \"Orders\");\n            migrationBuilder.DropIndex(name: \"IX_Orders_Date\", table: \"Orders\");\n        }\n    }\n}\n";
    let designer = "partial class IndexOrders\n{\n    protected override void BuildTargetModel(ModelBuilder modelBuilder)\n    {\n        modelBuilder.HasAnnotation(\"ProductVersion\", \"8.0.4\");\n        SqlServerModelBuilderExtensions.UseIdentityColumns(modelBuilder);\n    }\n}\n";
    let path = format!("{FOLDER}/20240401100000_IndexOrders.cs");
    let assessment = common::assess_files(&[
        (path.as_str(), migration),
        (
            &format!("{FOLDER}/20240401100000_IndexOrders.Designer.cs"),
            designer,
        ),
    ]);
    let found = migration_findings(&assessment);
    assert_eq!(
        spans(&found),
        vec![span(&path, (9, 13, 12, 32), "index-locks-writes")]
    );
    assert_eq!(
        found[0].message,
        "creates index IX_Orders_Code on Orders without ONLINE = ON, blocking writes"
    );
}

#[test]
fn migrating_at_start_up_and_reverting_to_zero_in_ci() {
    let assessment = common::assess("migrations-ef-core");
    common::expect(
        &assessment,
        "DEP-17",
        State::Partial,
        &[
            "applies its Entity Framework Core migrations as it starts (Database.Migrate): every \
           replica migrates",
        ],
    );
    assert_eq!(
        common::practice(&assessment, "DEP-17").evidence[0]
            .location
            .to_string(),
        "src/Ordering.API/Program.cs:13:12"
    );
    common::expect(&assessment, "DEP-19", State::Present, &[]);
    assert_eq!(
        common::practice(&assessment, "DEP-19").evidence[0]
            .location
            .to_string(),
        ".github/workflows/migrations.yml:31:14"
    );
    // A forward update to the latest migration is no rollback.
    let forward_only = std::fs::read_to_string(
        common::fixture("migrations-ef-core").join(".github/workflows/migrations.yml"),
    )
    .expect("fixture workflow")
    .replace("database update 0 ", "database update ");
    let migration = std::fs::read_to_string(common::fixture("migrations-ef-core").join(RESHAPE))
        .expect("fixture migration");
    let assessment = common::assess_files(&[
        (".github/workflows/migrations.yml", &forward_only),
        (RESHAPE, &migration),
    ]);
    common::expect(&assessment, "DEP-19", State::Absent, &[]);
}

#[test]
fn another_tools_classes_in_a_migrations_folder_are_not_ef_core() {
    let fluent = "using FluentMigrator;\n\n[Migration(20240101000000)]\npublic class AddLogTable : Migration\n{\n    public override void Up()\n    {\n        Create.Table(\"Log\").WithColumn(\"Id\").AsInt64().PrimaryKey();\n    }\n\n    public override void Down()\n    {\n    }\n}\n";
    let assessment = common::assess_files(&[
        (
            "src/Shop/Shop.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk\"></Project>\n",
        ),
        ("src/Shop/Migrations/20240101000000_AddLogTable.cs", fluent),
    ]);
    assert!(assessment.inventory.migration_systems.is_empty());
    assert!(migration_findings(&assessment).is_empty());
}

#[test]
fn a_schema_created_at_start_up_is_no_versioned_migration() {
    let program = "var app = WebApplication.CreateBuilder(args).Build();\nusing (var scope = app.Services.CreateScope())\n{\n    await scope.ServiceProvider.GetRequiredService<ShopContext>().Database.EnsureCreatedAsync();\n}\napp.Run();\n";
    let assessment = common::assess_files(&[
        (
            "src/Shop/Shop.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n  <ItemGroup>\n    <PackageReference Include=\"Npgsql.EntityFrameworkCore.PostgreSQL\" Version=\"8.0.2\" />\n  </ItemGroup>\n</Project>\n",
        ),
        ("src/Shop/Program.cs", program),
        ("compose.yaml", "services:\n  db:\n    image: postgres:16\n"),
    ]);
    common::expect(
        &assessment,
        "DEP-16",
        State::Mentioned,
        &[
            "the schema is created at startup (EnsureCreatedAsync) instead of by versioned migrations",
        ],
    );
    assert_eq!(
        common::practice(&assessment, "DEP-16").evidence[0]
            .location
            .to_string(),
        "src/Shop/Program.cs:4:76"
    );
}

//! Small Rails, Laravel and ASP.NET Core applications the stack claims are assessed on.

#![allow(dead_code)]

use crate::common::{assess_files, practice};
use shipready::assessment::model::Assessment;

/// The path and line of a practice's first piece of evidence.
pub fn cited(a: &Assessment, id: &str) -> (String, usize) {
    let at = &practice(a, id).evidence[0].location;
    (at.path.clone(), at.line)
}

/// A Laravel application: its manifest and a model.
pub const LARAVEL: &[(&str, &str)] = &[
    (
        "composer.json",
        "{\n    \"name\": \"acme/wiki\",\n    \"require\": {\n        \"php\": \"^8.1\",\n        \"laravel/framework\": \"^10.10\"\n    },\n    \"require-dev\": {\n        \"phpunit/phpunit\": \"^10.0\"\n    }\n}\n",
    ),
    (
        "app/Models/Page.php",
        "<?php\n\nnamespace App\\Models;\n\nuse Illuminate\\Database\\Eloquent\\Model;\n\nclass Page extends Model\n{\n}\n",
    ),
];

/// The Laravel application with `more` files; one of the same path replaces the base file.
pub fn laravel_with(more: &[(&str, &str)]) -> Assessment {
    let mut files = LARAVEL.to_vec();
    files.extend_from_slice(more);
    assess_files(&files)
}

/// A Rails application shipped as an image.
pub const RAILS: &[(&str, &str)] = &[
    (
        "Gemfile",
        "source \"https://rubygems.org\"\n\ngem \"rails\", \"~> 8.0\"\ngem \"pg\"\n",
    ),
    (
        "Dockerfile",
        "FROM ruby:3.4-slim\nWORKDIR /rails\nCOPY . .\nUSER 1000:1000\nCMD [\"bin/rails\", \"server\"]\n",
    ),
    (
        "app/models/gem_version.rb",
        "class GemVersion < ApplicationRecord\n  belongs_to :rubygem\nend\n",
    ),
];

/// The Rails application with `more` files; one of the same path replaces the base file.
pub fn rails_with(more: &[(&str, &str)]) -> Assessment {
    let mut files = RAILS.to_vec();
    files.extend_from_slice(more);
    assess_files(&files)
}

/// An ASP.NET Core service shipped as an image.
pub fn aspnet_with(more: &[(&str, &str)]) -> Assessment {
    let mut files = vec![
        (
            "src/Ordering.API/Ordering.API.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n  <PropertyGroup>\n    <TargetFramework>net9.0</TargetFramework>\n  </PropertyGroup>\n</Project>\n",
        ),
        (
            "src/Ordering.API/Dockerfile",
            "FROM mcr.microsoft.com/dotnet/aspnet:9.0-noble-chiseled\nWORKDIR /app\nCOPY publish/ .\nENTRYPOINT [\"dotnet\", \"Ordering.API.dll\"]\n",
        ),
        (
            "src/Ordering.API/Apis/OrdersApi.cs",
            "namespace Ordering.API;\n\npublic static class OrdersApi\n{\n}\n",
        ),
        (
            "src/Ordering.API/Model/Order.cs",
            "namespace Ordering.API.Model;\n\npublic record Order(int Id);\n",
        ),
    ];
    files.extend_from_slice(more);
    assess_files(&files)
}

module github.com/stratus-platform/stratus/sample/service

go 1.25.0

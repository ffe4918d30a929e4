module github.com/numora/numora-connector

go 1.26

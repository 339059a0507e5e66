module github.com/phalanx-net/phalanx/sdk/contract

go 1.24

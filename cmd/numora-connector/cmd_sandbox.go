package main

import "context"

func (a *app) cmdSandbox(ctx context.Context, args []string) int {
	return exitUsage
}

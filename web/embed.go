// Package web holds Parley's built web apps — the agent workbench and the
// customer widget — embedded in the binary. Each app is built by Vite into its
// dist folder (`make web`); until then the folders hold only a placeholder,
// and the server answers with a page that says how to build them.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:workbench/dist all:widget/dist
var apps embed.FS

// Workbench is the agent workbench's built files, rooted at its dist folder.
func Workbench() fs.FS { return sub("workbench/dist") }

// Widget is the customer widget's built files, rooted at its dist folder.
func Widget() fs.FS { return sub("widget/dist") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(apps, dir)
	if err != nil {
		// fs.Sub fails only on an invalid path, and these are constants.
		panic(err)
	}
	return f
}

// Built reports whether an app's folder holds a build (its index.html).
func Built(app fs.FS) bool {
	_, err := fs.Stat(app, "index.html")
	return err == nil
}

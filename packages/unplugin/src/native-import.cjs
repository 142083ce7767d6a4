// Node's own import(), for the modules this package loads once it is running (PGlite, Vite's
// transforms). Under `vite --configLoader runner` the plugin's modules are evaluated by a module
// runner that Vite closes once the config is read, and an import() written in them goes through
// that runner and then fails ("Vite module runner has been closed"). This file is loaded with
// require, so the import() below is Node's.
module.exports = (specifier) => import(specifier)

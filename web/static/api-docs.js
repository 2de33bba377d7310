/* ReMo API documentation: renders /api/openapi.json as a readable page (no third-party code).
   Only textContent is used for data from the document, never innerHTML. */
(function () {
  "use strict";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function refName(schema) {
    return schema && schema.$ref ? schema.$ref.split("/").pop() : null;
  }

  function typeText(schema) {
    if (!schema) { return ""; }
    var ref = refName(schema);
    if (ref) { return ref; }
    var type = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type || "any");
    if (schema.type === "array" && schema.items) { type = typeText(schema.items) + "[]"; }
    var extra = [];
    if (schema.enum) {
      var shown = schema.enum.slice(0, 8).map(function (v) { return JSON.stringify(v); }).join(", ");
      extra.push("one of " + shown + (schema.enum.length > 8 ? ", … (" + schema.enum.length + ")" : ""));
    }
    ["minimum", "maximum", "minLength", "maxLength", "pattern", "default"].forEach(function (key) {
      if (schema[key] !== undefined) { extra.push(key + " " + JSON.stringify(schema[key])); }
    });
    return type + (extra.length ? " (" + extra.join("; ") + ")" : "");
  }

  function anchor(text) { return text.replace(/[^A-Za-z0-9_-]+/g, "-"); }

  function schemaLink(schema) {
    var ref = refName(schema) || (schema && schema.items && refName(schema.items));
    if (!ref) { return document.createTextNode(typeText(schema)); }
    return el("a", { href: "#schema-" + anchor(ref) }, [typeText(schema)]);
  }

  function paramTable(params, labels) {
    var rows = params.map(function (p) {
      return el("tr", {}, [
        el("th", { scope: "row" }, [el("code", {}, [p.name])]),
        el("td", {}, [p["in"] + (p.required ? ", " + labels.required : "")]),
        el("td", {}, [typeText(p.schema)]),
        el("td", {}, [p.description || ""])
      ]);
    });
    return el("table", {}, [el("tbody", {}, rows)]);
  }

  function render(root, doc) {
    var labels = root.dataset;
    root.textContent = "";
    var toc = el("ul", { "class": "toc" }, []);
    root.appendChild(el("h2", {}, [labels.contents]));
    root.appendChild(toc);
    var byTag = {};
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        var tag = (op.tags || ["other"])[0];
        (byTag[tag] = byTag[tag] || []).push({ path: path, method: method, op: op });
      });
    });
    Object.keys(byTag).forEach(function (tag) {
      root.appendChild(el("h2", { id: "tag-" + anchor(tag) }, [tag]));
      byTag[tag].forEach(function (entry) {
        var op = entry.op;
        var id = "op-" + anchor(op.operationId);
        toc.appendChild(el("li", {}, [el("a", { href: "#" + id }, [entry.method.toUpperCase() + " " + entry.path])]));
        var heading = [
          el("span", { "class": "api-method api-method-" + entry.method }, [entry.method.toUpperCase()]),
          el("span", { "class": "api-path" }, [entry.path])
        ];
        var secured = (op.security || []).every(function (s) { return Object.keys(s).length > 0; });
        if (secured) { heading.push(el("span", { "class": "api-badge" }, [labels.token])); }
        var section = el("section", { "class": "api-op", id: id, "aria-labelledby": id + "-h" }, [
          el("h3", { id: id + "-h" }, heading),
          el("p", {}, [op.summary || ""])
        ]);
        if (op.description) { section.appendChild(el("p", {}, [op.description])); }
        if (op.parameters && op.parameters.length) {
          section.appendChild(el("h4", {}, [labels.parameters]));
          section.appendChild(paramTable(op.parameters, labels));
        }
        if (op.requestBody) {
          var body = op.requestBody.content["application/json"].schema;
          section.appendChild(el("h4", {}, [labels.body]));
          section.appendChild(el("p", {}, [schemaLink(body)]));
        }
        section.appendChild(el("h4", {}, [labels.responses]));
        var items = Object.keys(op.responses).map(function (status) {
          var resp = op.responses[status];
          var content = resp.content && resp.content["application/json"];
          var parts = [el("code", {}, [status]), " " + (resp.description || "")];
          if (content && status.charAt(0) === "2") { parts.push(" – "); parts.push(schemaLink(content.schema)); }
          return el("li", {}, parts);
        });
        section.appendChild(el("ul", {}, items));
        if (op["x-curl"]) {
          section.appendChild(el("h4", {}, [labels.example]));
          var curl = op["x-curl"].replace("https://remo.example", window.location.origin);
          // a scrolling example must be reachable with the keyboard (WCAG 2.1.1)
          section.appendChild(el("pre", {tabindex: "0", "aria-label": labels.example + ": curl"},
                                 [el("code", {}, [curl])]));
        }
        root.appendChild(section);
      });
    });
    root.appendChild(el("h2", { id: "schemas" }, [labels.schemas]));
    var schemas = (doc.components || {}).schemas || {};
    Object.keys(schemas).forEach(function (name) {
      var schema = schemas[name];
      var section = el("section", { id: "schema-" + anchor(name), "aria-labelledby": "schema-" + anchor(name) + "-h" }, [
        el("h3", { id: "schema-" + anchor(name) + "-h" }, [name])
      ]);
      if (schema.description) { section.appendChild(el("p", {}, [schema.description])); }
      var required = schema.required || [];
      var props = schema.properties || {};
      var rows = Object.keys(props).map(function (key) {
        return el("tr", {}, [
          el("th", { scope: "row" }, [el("code", {}, [key])]),
          el("td", {}, [required.indexOf(key) >= 0 ? labels.required : ""]),
          el("td", {}, [schemaLink(props[key])]),
          el("td", {}, [props[key].description || ""])
        ]);
      });
      if (rows.length) { section.appendChild(el("table", {}, [el("tbody", {}, rows)])); }
      root.appendChild(section);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("api-docs");
    if (!root) { return; }
    var status = el("p", { role: "status" }, [root.dataset.loading]);
    root.appendChild(status);
    fetch(root.dataset.src, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (doc) { render(root, doc); })
      .catch(function () { status.textContent = root.dataset.failed; });
  });
})();

/*
 * places.js: NIL pickers narrowed by the chosen Municipio (no inline JS: CSP).
 *
 * A NIL field (a <select>, or tick boxes sharing one name) carries
 * data-cp-narrowed-by="<name of the Municipio field>"; each of its options or tick boxes
 * carries data-municipi="<values of its Municipi>" (a NIL may lie in two or three). Only
 * the NIL of the chosen Municipi are shown; nothing chosen shows them all; a NIL already
 * chosen stays visible. Without JavaScript every NIL stays available.
 */
(function () {
  "use strict";

  function chosen(form, name) {
    var values = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (control) {
      if (control.tagName === "SELECT") {
        Array.prototype.forEach.call(control.selectedOptions, function (option) {
          if (option.value) {
            values.push(option.value);
          }
        });
      } else if (control.checked && control.value) {
        values.push(control.value);
      }
    });
    return values;
  }

  function fits(element, wanted) {
    if (!wanted.length || element.selected || element.checked) {
      return true;
    }
    return (element.dataset.municipi || "").split(" ").some(function (value) {
      return wanted.indexOf(value) !== -1;
    });
  }

  function narrow(form, name, by) {
    var wanted = chosen(form, by);
    form.querySelectorAll('[name="' + name + '"]').forEach(function (control) {
      if (control.tagName === "SELECT") {
        control.querySelectorAll("option[data-municipi]").forEach(function (option) {
          option.hidden = !fits(option, wanted);
        });
      } else if (control.dataset.municipi !== undefined) {
        var label = control.closest("label");
        var row =
          control.closest("[class*='col-'], .form-check") || (label && label.parentElement) || control;
        row.hidden = !fits(control, wanted);
      }
    });
  }

  function setUp() {
    document.querySelectorAll("[data-cp-narrowed-by]").forEach(function (picker) {
      var form = picker.form || picker.closest("form");
      if (!form || picker.dataset.cpBound) {
        return;
      }
      var name = picker.name;
      var by = picker.dataset.cpNarrowedBy;
      form.querySelectorAll('[name="' + name + '"]').forEach(function (control) {
        control.dataset.cpBound = "1";
      });
      form.querySelectorAll('[name="' + by + '"]').forEach(function (control) {
        control.addEventListener("change", function () {
          narrow(form, name, by);
        });
      });
      narrow(form, name, by);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
  // The needs catalogue replaces its filters with htmx.
  document.addEventListener("htmx:afterSettle", setUp);
})();

/* placeholder: being written */
typedef int na_placeholder_output;

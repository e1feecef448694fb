package gen

import "strings"

var firstNames = []string{
	"Nicolás", "Sofía", "Martín", "Valentina", "Joaquín", "Camila", "Tomás", "Lucía",
	"Matías", "Martina", "Agustín", "Florencia", "Sebastián", "Agustina", "Julián", "Micaela",
	"Lautaro", "Milagros", "Facundo", "Rocío", "Gonzalo", "Belén", "Santiago", "Ángeles",
	"Ramón", "María José", "José Luis", "Inés", "Germán", "Mónica", "Ezequiel", "Débora",
	"Ignacio", "Paula", "Rodrigo", "Natalia", "Andrés", "Julieta", "Hernán", "Lourdes",
	"Emilia", "Benjamín", "Brenda", "Maximiliano", "Luciano", "Zoe", "Iñaki", "Araceli",
}

var lastNames = []string{
	"Sánchez", "Saldaña", "González", "Rodríguez", "Gómez", "Fernández", "López", "Díaz",
	"Martínez", "Pérez", "García", "Romero", "Sosa", "Álvarez", "Torres", "Ruiz",
	"Ramírez", "Flores", "Benítez", "Acosta", "Medina", "Herrera", "Suárez", "Aguirre",
	"Giménez", "Gutiérrez", "Pereyra", "Rojas", "Molina", "Castro", "Ortiz", "Núñez",
	"Peña", "Muñoz", "Ibáñez", "Domínguez", "Ferrari", "Rossi", "Quiroga", "Villagrán",
	"Cabañas", "Ledesma", "Vázquez", "Maidana", "Ojeda", "Carrizo", "De la Fuente", "Echeverría",
}

// oddNames are valid names (non-empty, at most domain.MaxNameLen runes,
// valid UTF-8, no control characters) that stress parsers and encoders.
var oddNames = []string{
	"Pérez, Juan",
	`Juan "Juancito"`,
	`"Quoted"`,
	"Ana+Belén",
	"Luz*",
	"Dr.: Gómez",
	"Tubo|Pipe",
	"Punto;Coma",
	"Renée 😀",
	"李小龍",
	" Espacio",
	"Final ",
	"O'Higgins",
	"Jose\u0301 Combinado",
	"محمد",
	"👨\u200d👩\u200d👧 Familia",
	"a",
	strings.Repeat("ñ", 100),
}

package csvfile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tp0/loteria/domain"
)

// doneLine returns the done file's line for d: "agency,total,digest\n".
func doneLine(d domain.Done) []byte {
	b := strconv.AppendInt(nil, int64(d.Agency), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, d.Total, 10)
	b = d.Digest.AppendText(append(b, ','))
	return append(b, '\n')
}

// parseDone parses a line of the done file, without its newline.
func parseDone(line string) (domain.Done, error) {
	f := strings.Split(line, ",")
	bad := fmt.Errorf("want agency,total,digest, got %.60q", line)
	if len(f) != 3 {
		return domain.Done{}, bad
	}
	agency, aerr := strconv.Atoi(f[0])
	total, terr := strconv.ParseUint(f[1], 10, 64)
	digest, derr := domain.ParseDigest(f[2])
	if aerr != nil || terr != nil || derr != nil {
		return domain.Done{}, bad
	}
	return domain.Done{Agency: agency, Total: total, Digest: digest}, nil
}
